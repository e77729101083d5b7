//! One verdict per card, from passive authentication (EF.SOD, DS → CSCA, DG hashes) and the
//! chip's own proof (chip authentication or active authentication), as reception needs it.
//!
//! | verdict | when |
//! |---|---|
//! | `forged` | an SOD signature, a DS-to-CSCA signature or a DG hash fails, the DS is revoked by its CSCA's CRL (or EF.SOD is unreadable) |
//! | `unknown-issuer` | PA consistent, but no trusted CSCA for the DS certificate, or a chain check failed (validity, key usage, revocation, or a DS or CSCA of another country than DG1's issuing state: `chain.issuing-state`) |
//! | `clone-suspected` | PA passes to a trusted CSCA, and CA or AA fails (a chip refusing AA when CA was not run, or a DG14/DG15 listed but not given, included) |
//! | `incomplete` | PA passes to a trusted CSCA, and neither CA nor AA could be done |
//! | `genuine` | PA passes to a trusted CSCA, and CA or AA passes |
//!
//! "Unknown issuer" is never "forged": a genuine card whose country certificate is not
//! configured stays unknown-issuer.

use der::DateTime;

use crate::algorithms::{EcdsaSignatureEncoding, PublicKey, SignatureAlgorithm, verify_signature};
use crate::certificate::Certificate;
use crate::issuing_state::check_issuing_state;
use crate::report::{Check, CheckState, names};
use crate::sod::{EfSod, VerifyOptions};
use crate::store::CscaStore;

/// The card's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Passive authentication and the chip's own proof both passed to a trusted CSCA.
    Genuine,
    /// Passive authentication passed to a trusted CSCA; the chip could not prove itself.
    Incomplete,
    /// The data is signed, but by a signer under no trusted CSCA.
    UnknownIssuer,
    /// The data is genuine but the chip failed to prove it holds the genuine chip's key.
    CloneSuspected,
    /// A signature or hash does not verify: the data was altered or made up.
    Forged,
}

impl Verdict {
    /// The stable kebab-case name (`genuine`, `unknown-issuer`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Genuine => "genuine",
            Self::Incomplete => "incomplete",
            Self::UnknownIssuer => "unknown-issuer",
            Self::CloneSuspected => "clone-suspected",
            Self::Forged => "forged",
        }
    }
}

/// What the chip's own proof (ICAO 9303-11 §6: CA, else AA) gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChipProof {
    /// Chip authentication: the chip proved its DG14 key (SM continued under the new keys).
    ChipAuthenticationPassed,
    /// Chip authentication failed: the chip does not hold the key its (signed) DG14 says.
    ChipAuthenticationFailed(String),
    /// Active authentication: the challenge and the chip's signature, to check with DG15.
    ActiveAuthentication {
        /// The random challenge sent.
        challenge: Vec<u8>,
        /// The chip's answer.
        signature: Vec<u8>,
    },
    /// Chip authentication was not run and the chip refused active authentication (with the
    /// reason): a chip holding DG15's key has no reason to refuse, so a clone is suspected.
    ActiveAuthenticationRefused(String),
    /// Neither was possible (not offered, not supported), with the reason.
    NotPerformed(String),
}

/// DG15's key for Active Authentication (ICAO 9303-11 §6.1), as the caller parsed DG15.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveAuthenticationKey<'a> {
    /// DG15's `SubjectPublicKeyInfo` (DER, as `icao9303::lds::DataGroup15` gives it), or `None`
    /// when DG15 could not be parsed (the check then fails: the chip's key is unusable).
    pub spki: Option<&'a [u8]>,
    /// The ECDSA algorithm DG14's `ActiveAuthenticationInfo` names (EC keys only).
    pub algorithm: Option<SignatureAlgorithm>,
}

/// The verification of one card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardVerification {
    /// The verdict.
    pub verdict: Verdict,
    /// Every check with its state.
    pub checks: Vec<Check>,
    /// Findings that do not change the verdict.
    pub warnings: Vec<String>,
}

/// Name of the chip authentication check.
pub const CHIP_AUTHENTICATION: &str = "chip.authentication";
/// Name of the active authentication check.
pub const ACTIVE_AUTHENTICATION: &str = "chip.active-authentication";
/// Name of the SOD parsing check.
pub const SOD_PARSE: &str = "sod.parse";
/// Name of the check that EF.SOD could be read at all.
pub const SOD_READ: &str = "sod.read";
/// Prefix of the checks of files the card lists but did not give (`file.dg2`).
pub const FILE_GIVEN_PREFIX: &str = "file.dg";

impl CardVerification {
    /// The verification of a card whose EF.SOD could not be read (`why`): nothing it says can
    /// be checked, so `incomplete`, never better (ICAO 9303-10 §4.6.2 makes EF.SOD mandatory).
    pub fn without_sod(why: &str) -> Self {
        Self {
            verdict: Verdict::Incomplete,
            checks: vec![Check {
                name: SOD_READ.into(),
                state: CheckState::NotPerformed {
                    reason: format!("EF.SOD was not given: {why}"),
                },
            }],
            warnings: Vec::new(),
        }
    }

    /// This verification with the data groups the card lists (in EF.COM or EF.SOD) but did not
    /// give (`(number, why)`): each gets a check `file.dgN`. Missing data never makes a verdict
    /// better: any such file keeps it from `genuine` (at best `incomplete`), and DG14 or DG15,
    /// which hold the chip's keys, make it `clone-suspected`: a clone, or a man in the middle,
    /// must not escape the clone check by answering `6A82` (ICAO 9303-11 §6: a genuine chip
    /// gives the files its EF.SOD covers). `forged` and `unknown-issuer` stay as they are.
    #[must_use]
    pub fn with_files_not_given(mut self, missing: &[(u8, String)]) -> Self {
        let mut clone_proof_missing = false;
        for (n, why) in missing {
            let key_file = matches!(n, 14 | 15);
            clone_proof_missing |= key_file;
            let state = if key_file {
                CheckState::Failed {
                    reason: format!(
                        "DG{n}, which holds the chip's key, is listed but was not given ({why})"
                    ),
                }
            } else {
                CheckState::NotPerformed {
                    reason: format!("DG{n} is listed but was not given ({why})"),
                }
            };
            self.checks.push(Check {
                name: format!("{FILE_GIVEN_PREFIX}{n}"),
                state,
            });
        }
        self.verdict = match self.verdict {
            Verdict::Genuine | Verdict::Incomplete if clone_proof_missing => {
                Verdict::CloneSuspected
            }
            Verdict::Genuine if !missing.is_empty() => Verdict::Incomplete,
            v => v,
        };
        self
    }
}

/// The data groups whose content reception shows: they must be covered by the signature.
const SHOWN: [u8; 3] = [1, 2, 13];

/// Verifies a card: EF.SOD (`sod`, as read), the data groups read (number, bytes), the issuing
/// state of DG1's MRZ (`VNM`; `None` when DG1 was not read: `chain.issuing-state` is then not
/// performed), the trusted CSCAs (`None`: none configured, so at best `unknown-issuer`), the
/// chip's proof, and for AA DG15's `SubjectPublicKeyInfo` (DER, as
/// `icao9303::lds::DataGroup15` gives it) with DG14's active-authentication algorithm. `now` is
/// the clock (injected in tests). To judge certificate validity at another time than the
/// signing time (`cccd verify --at`), use [`SodVerification::new`] with `at`.
pub fn verify_card(
    sod: &[u8],
    data_groups: &[(u8, &[u8])],
    issuing_state: Option<&str>,
    cscas: Option<&CscaStore>,
    proof: &ChipProof,
    aa: Option<ActiveAuthenticationKey<'_>>,
    now: Option<DateTime>,
) -> CardVerification {
    SodVerification::new(sod, cscas, None, now).judge(data_groups, issuing_state, proof, aa)
}

/// EF.SOD parsed and its signature and certificate chain checked once (passive authentication,
/// ICAO 9303-11 §5.1 steps 1 and 2); [`SodVerification::judge`] then adds the issuing state,
/// the data groups (step 3) and the chip's proof (§6) as often as more of the card arrives,
/// without verifying the signatures again. [`verify_card`] is both in one call.
#[derive(Debug, Clone)]
pub struct SodVerification {
    /// The parsed SOD with passive authentication's outcome, or why EF.SOD cannot be parsed.
    sod: Result<Verified, String>,
}

#[derive(Debug, Clone)]
struct Verified {
    sod: EfSod,
    report: crate::Report,
    document_signer: Option<Certificate>,
    link_issuers: Vec<Certificate>,
}

impl SodVerification {
    /// Parses `sod` (as read) and verifies its signature and its DS certificate to a CSCA of
    /// `cscas` (`None`: none configured); validity at `at` (default: the signing time), `now`
    /// the clock for warnings (injected in tests).
    pub fn new(
        sod: &[u8],
        cscas: Option<&CscaStore>,
        at: Option<DateTime>,
        now: Option<DateTime>,
    ) -> Self {
        Self::with_options(
            sod,
            &VerifyOptions {
                cscas,
                at,
                now,
                ..VerifyOptions::default()
            },
        )
    }

    /// As [`SodVerification::new`], for a document issued on `date_of_issue` (the time its
    /// certificates are judged at when EF.SOD has no signingTime, ICAO 9303-12 §5.2).
    pub fn of_document(
        sod: &[u8],
        cscas: Option<&CscaStore>,
        date_of_issue: Option<DateTime>,
        now: Option<DateTime>,
    ) -> Self {
        Self::with_options(
            sod,
            &VerifyOptions {
                cscas,
                date_of_issue,
                now,
                ..VerifyOptions::default()
            },
        )
    }

    fn with_options(sod: &[u8], options: &VerifyOptions<'_>) -> Self {
        let sod = EfSod::from_bytes(sod)
            .map(|sod| {
                let pa = sod.verify(&VerifyOptions {
                    document_signer: None,
                    issuing_state: None,
                    ..options.clone()
                });
                Verified {
                    sod,
                    report: pa.report,
                    document_signer: pa.document_signer,
                    link_issuers: pa.link_issuers,
                }
            })
            .map_err(|e| format!("EF.SOD cannot be parsed: {e}"));
        Self { sod }
    }

    /// The parsed SOD (None when it cannot be parsed: the verdict is then `forged`).
    pub fn sod(&self) -> Option<&EfSod> {
        self.sod.as_ref().ok().map(|v| &v.sod)
    }

    /// The verdict with the data groups read (number, bytes), DG1's issuing state (`None`: DG1
    /// not read), the chip's proof, and for AA DG15's `SubjectPublicKeyInfo` (DER) with DG14's
    /// active-authentication algorithm.
    pub fn judge(
        &self,
        data_groups: &[(u8, &[u8])],
        issuing_state: Option<&str>,
        proof: &ChipProof,
        aa: Option<ActiveAuthenticationKey<'_>>,
    ) -> CardVerification {
        let verified = match &self.sod {
            Ok(verified) => verified,
            Err(reason) => {
                return CardVerification {
                    verdict: Verdict::Forged,
                    checks: vec![Check {
                        name: SOD_PARSE.into(),
                        state: CheckState::Failed {
                            reason: reason.clone(),
                        },
                    }],
                    warnings: Vec::new(),
                };
            }
        };
        let mut report = verified.report.clone();
        // ICAO 9303-11 §5.1: trusted only under a CSCA of the document's own issuing state.
        report.push(
            names::ISSUING_STATE,
            check_issuing_state(
                issuing_state,
                verified.document_signer.as_ref(),
                &verified.link_issuers,
            ),
        );
        judge(&verified.sod, report, data_groups, proof, aa)
    }
}

/// The verdict table (module docs) over passive authentication's `report` completed with the
/// data groups and the chip's proof.
fn judge(
    sod: &EfSod,
    mut report: crate::Report,
    data_groups: &[(u8, &[u8])],
    proof: &ChipProof,
    aa: Option<ActiveAuthenticationKey<'_>>,
) -> CardVerification {
    let mut checks = Vec::new();
    let mut warnings = Vec::new();
    sod.verify_data_groups(data_groups, &mut report);
    checks.extend(report.checks);
    warnings.extend(report.warnings);

    let state = |name: &str| {
        checks
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.state.clone())
    };
    // A revoked document signer is a forgery's mark too: its key is known to be lost or
    // misused (ICAO 9303-12 §7.1.4), so the card is never "merely" of an unknown issuer.
    let forged = checks.iter().any(|c| {
        c.state.failed()
            && (c.name.starts_with("cms.")
                || c.name == names::CERTIFICATE_SIGNATURE
                || c.name == names::NOT_REVOKED
                || c.name.starts_with(names::DATA_GROUP_PREFIX))
    });
    let signature_ok = state(names::SIGNATURE).is_some_and(|s| s.passed());
    let chain_ok = [names::ISSUER_FOUND, names::CERTIFICATE_SIGNATURE]
        .iter()
        .all(|n| state(n).is_some_and(|s| s.passed()))
        && !checks
            .iter()
            .any(|c| c.name.starts_with("chain.") && c.state.failed());
    let uncovered: Vec<u8> = data_groups
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| {
            SHOWN.contains(n) && !sod.lds_security_object().data_group_hashes.contains_key(n)
        })
        .collect();
    if !uncovered.is_empty() {
        warnings.push(format!(
            "data shown at reception is not covered by the document signature: {}",
            uncovered
                .iter()
                .map(|n| format!("DG{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    let (chip_name, chip_state) = match proof {
        ChipProof::ChipAuthenticationPassed => (CHIP_AUTHENTICATION, CheckState::Passed),
        ChipProof::ChipAuthenticationFailed(why) => (
            CHIP_AUTHENTICATION,
            CheckState::Failed {
                reason: why.clone(),
            },
        ),
        ChipProof::ActiveAuthentication {
            challenge,
            signature,
        } => (
            ACTIVE_AUTHENTICATION,
            active_authentication(aa, challenge, signature),
        ),
        ChipProof::ActiveAuthenticationRefused(why) => (
            ACTIVE_AUTHENTICATION,
            CheckState::Failed {
                reason: why.clone(),
            },
        ),
        ChipProof::NotPerformed(why) => (
            CHIP_AUTHENTICATION,
            CheckState::NotPerformed {
                reason: why.clone(),
            },
        ),
    };
    // The chip's key is only meaningful when the data group that holds it is itself signed.
    let key_group = if chip_name == CHIP_AUTHENTICATION {
        14
    } else {
        15
    };
    let key_signed =
        state(&format!("{}{key_group}", names::DATA_GROUP_PREFIX)).is_some_and(|s| s.passed());
    let chip_state = match chip_state {
        CheckState::Passed if !key_signed => CheckState::NotPerformed {
            reason: format!(
                "DG{key_group}, which holds the chip's key, is not verified by the SOD"
            ),
        },
        s => s,
    };
    checks.push(Check {
        name: chip_name.into(),
        state: chip_state.clone(),
    });

    let verdict = if forged {
        Verdict::Forged
    } else if !signature_ok || !chain_ok {
        Verdict::UnknownIssuer
    } else if chip_state.failed() {
        Verdict::CloneSuspected
    } else if chip_state.passed() && uncovered.is_empty() {
        Verdict::Genuine
    } else {
        Verdict::Incomplete
    };
    CardVerification {
        verdict,
        checks,
        warnings,
    }
}

/// Active authentication (ICAO 9303-11 §6.1): the signature over the challenge with DG15's key,
/// ISO/IEC 9796-2 scheme 1 for RSA, plain ECDSA with the algorithm DG14's
/// ActiveAuthenticationInfo names.
fn active_authentication(
    aa: Option<ActiveAuthenticationKey<'_>>,
    challenge: &[u8],
    signature: &[u8],
) -> CheckState {
    let Some(ActiveAuthenticationKey { spki, algorithm }) = aa else {
        return CheckState::NotPerformed {
            reason: "no DG15".into(),
        };
    };
    let Some(Ok(key)) = spki.map(PublicKey::from_spki_der) else {
        return CheckState::Failed {
            reason: "DG15 holds no usable public key".into(),
        };
    };
    let result = match (&key, algorithm) {
        (PublicKey::Rsa { .. }, _) => {
            crate::aa::verify_iso9796_2_scheme1(&key, challenge, signature)
        }
        (_, Some(SignatureAlgorithm::Ecdsa(hash, _))) => verify_signature(
            &key,
            &SignatureAlgorithm::Ecdsa(hash, EcdsaSignatureEncoding::Plain),
            challenge,
            signature,
        ),
        (_, _) => {
            return CheckState::NotSupported {
                reason: "an EC active-authentication key without ActiveAuthenticationInfo in DG14"
                    .into(),
            };
        }
    };
    CheckState::from_result(result)
}

impl CardVerification {
    /// The state of a named check.
    pub fn check(&self, name: &str) -> Option<&CheckState> {
        self.checks
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.state)
    }
}
