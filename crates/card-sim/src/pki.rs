//! The virtual card's test PKI: a test country signing CA (CSCA), a document signer (DS)
//! certificate under it, EF.SOD signed by the DS, and the chip's own keys for chip and active
//! authentication (DG14, DG15).
//!
//! Every key comes from a fixed seed and ECDSA signing is deterministic (RFC 6979), so the
//! certificates are the same on every machine and in every build: `cccd sim --write-test-pki
//! DIR` (re)writes them as DER files. The test CSCA is trusted only by `cccd sim`, `cccd demo`
//! and `--allow-test-csca`.

use p256::ecdsa::signature::Signer;
use sha2::{Digest, Sha256};

use crate::der::{bits, ctx, int, octets, oid, printable, seq, set_of, tlv, utc_time, utf8};

/// ecdsa-with-SHA256 (RFC 5758 §3.2).
pub const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
/// id-ecPublicKey (RFC 5480 §2.1.1).
pub const ID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// prime256v1 / NIST P-256.
pub const P256: &str = "1.2.840.10045.3.1.7";
/// brainpoolP256r1 (RFC 5639).
pub const BRAINPOOL_P256R1: &str = "1.3.36.3.3.2.8.1.1.7";
/// id-sha256 (RFC 5754).
pub const SHA256: &str = "2.16.840.1.101.3.4.2.1";
/// id-icao-mrtd-security-ldsSecurityObject (ICAO 9303-10 §4.6.2.2).
pub const LDS_SECURITY_OBJECT: &str = "2.23.136.1.1.1";
/// id-data (RFC 5652 §4): what some countries put as eContentType instead.
pub const ID_DATA: &str = "1.2.840.113549.1.7.1";
/// id-signedData (RFC 5652 §5.1).
pub const ID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
/// id-CA-ECDH-AES-CBC-CMAC-128 (BSI TR-03110 / ICAO 9303-11 §9.2.5).
pub const ID_CA_ECDH_AES_128: &str = "0.4.0.127.0.7.2.2.3.2.2";
/// id-PK-ECDH (ICAO 9303-11 §9.2.6).
pub const ID_PK_ECDH: &str = "0.4.0.127.0.7.2.2.1.2";
/// id-AA, ActiveAuthenticationInfo (ICAO 9303-11 §9.2.4).
pub const ID_AA: &str = "2.23.136.1.1.5";

/// Which document signer signs the SOD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer2 {
    /// The test DS under the test CSCA.
    TestDs,
    /// A test DS whose certificate expired after the card was issued.
    ExpiredDs,
    /// A DS under another CSCA that nobody trusts.
    UnknownCsca,
}

/// A P-256 key from a seed phrase (its SHA-256 is the private scalar).
fn p256_key(seed: &str) -> p256::ecdsa::SigningKey {
    let d = Sha256::digest(seed.as_bytes());
    // The chance that SHA-256 of a fixed phrase is not a valid scalar is negligible; a test
    // builds every key.
    p256::ecdsa::SigningKey::from_slice(&d).unwrap_or_else(|_| {
        p256::ecdsa::SigningKey::from_slice(&[1; 32]).unwrap_or_else(|_| unreachable!())
    })
}

/// A chip key: ECDSA/ECDH on brainpoolP256r1 (the CCCD's curve).
pub type ChipKey = ecdsa::SigningKey<bp256::BrainpoolP256r1>;

/// The chip's brainpoolP256r1 private key from a seed phrase.
pub fn chip_key(seed: &str) -> ChipKey {
    let d = Sha256::digest(seed.as_bytes());
    ChipKey::from_slice(&d)
        .unwrap_or_else(|_| ChipKey::from_slice(&[1; 32]).unwrap_or_else(|_| unreachable!()))
}

/// The curve of the test PKI's CSCA and document signer keys (the chip's own keys are always
/// brainpoolP256r1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkiCurve {
    /// NIST P-256: the virtual card's PKI (`TestPki::new`).
    P256,
    /// brainpoolP256r1: the same PKI with other keys on the CCCD's curve (benchmarks, tests).
    BrainpoolP256r1,
}

/// A CSCA or document signer key of the test PKI, ECDSA with SHA-256 on either curve.
#[derive(Clone)]
enum PkiKey {
    P256(p256::ecdsa::SigningKey),
    Bp256(ChipKey),
}

impl PkiKey {
    /// The key of `seed` on `curve`. P-256 keys keep their historical seeds (the virtual card's
    /// certificates must not change); brainpool keys get the curve's name appended, so that no
    /// scalar is shared between the curves.
    fn from_seed(curve: PkiCurve, seed: &str) -> Self {
        match curve {
            PkiCurve::P256 => Self::P256(p256_key(seed)),
            PkiCurve::BrainpoolP256r1 => Self::Bp256(chip_key(&format!("{seed} brainpoolP256r1"))),
        }
    }

    /// The uncompressed SEC1 public point.
    fn point(&self) -> Vec<u8> {
        match self {
            Self::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Self::Bp256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    fn spki(&self) -> Vec<u8> {
        match self {
            Self::P256(k) => p256_spki(k),
            Self::Bp256(k) => bp256_spki(k),
        }
    }

    /// ECDSA-SHA256 (RFC 6979 nonces), DER-encoded.
    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            Self::P256(k) => sign_p256(k, msg),
            Self::Bp256(k) => {
                let sig: ecdsa::Signature<bp256::BrainpoolP256r1> = k.sign(msg);
                sig.to_der().as_bytes().to_vec()
            }
        }
    }
}

fn name(cn: &str, o: &str) -> Vec<u8> {
    name_in("VN", cn, o)
}

/// A name `C=country, O=o, CN=cn`.
fn name_in(country: &str, cn: &str, o: &str) -> Vec<u8> {
    let rdn = |t: &str, v: Vec<u8>| set_of(vec![seq(&[&oid(t), &v])]);
    seq(&[
        &rdn("2.5.4.6", printable(country)),
        &rdn("2.5.4.10", utf8(o)),
        &rdn("2.5.4.3", utf8(cn)),
    ])
}

fn p256_spki(key: &p256::ecdsa::SigningKey) -> Vec<u8> {
    let point = key.verifying_key().to_sec1_point(false);
    seq(&[
        &seq(&[&oid(ID_EC_PUBLIC_KEY), &oid(P256)]),
        &bits(point.as_bytes()),
    ])
}

/// SubjectPublicKeyInfo of a brainpoolP256r1 key (named curve).
pub fn bp256_spki(key: &ChipKey) -> Vec<u8> {
    let point = key.verifying_key().to_sec1_point(false);
    seq(&[
        &seq(&[&oid(ID_EC_PUBLIC_KEY), &oid(BRAINPOOL_P256R1)]),
        &bits(point.as_bytes()),
    ])
}

fn key_id(spki_point: &[u8]) -> Vec<u8> {
    sha1::Sha1::digest(spki_point).to_vec()
}

fn sign_p256(key: &p256::ecdsa::SigningKey, msg: &[u8]) -> Vec<u8> {
    let sig: p256::ecdsa::Signature = key.sign(msg);
    sig.to_der().as_bytes().to_vec()
}

/// An X.509 v3 certificate (RFC 5280 §4.1) signed with ECDSA-SHA256.
struct CertSpec<'a> {
    serial: u64,
    issuer: Vec<u8>,
    subject: Vec<u8>,
    not_before: &'a str,
    not_after: &'a str,
    subject_key: &'a PkiKey,
    issuer_key: &'a PkiKey,
    ca: bool,
    /// basicConstraints' pathLenConstraint of a CA (ICAO 9303-12 §7.1.1.1: 0 for CSCA and link
    /// certificates); `None` leaves it out, as the virtual card's certificates always have.
    path_len: Option<u64>,
    /// The key named by the authority key identifier when it is not the signing key (a forgery
    /// that claims another issuer).
    claimed_issuer_key: Option<&'a PkiKey>,
}

fn certificate(spec: &CertSpec<'_>) -> Vec<u8> {
    let sig_alg = seq(&[&oid(ECDSA_WITH_SHA256)]);
    let ski = key_id(&spec.subject_key.point());
    let aki = key_id(&spec.claimed_issuer_key.unwrap_or(spec.issuer_key).point());
    let ext = |id: &str, critical: bool, value: Vec<u8>| {
        if critical {
            seq(&[&oid(id), &[0x01, 0x01, 0xFF], &octets(&value)])
        } else {
            seq(&[&oid(id), &octets(&value)])
        }
    };
    // keyUsage: keyCertSign + cRLSign for a CA (bits 5, 6), digitalSignature for a signer (bit 0).
    let key_usage = if spec.ca {
        vec![0x03, 0x02, 0x01, 0x06]
    } else {
        vec![0x03, 0x02, 0x07, 0x80]
    };
    let mut exts = vec![
        ext("2.5.29.15", true, key_usage),
        ext("2.5.29.14", false, octets(&ski)),
        ext("2.5.29.35", false, seq(&[&tlv(0x80, &aki)])),
    ];
    if spec.ca {
        let path_len = spec.path_len.map(int).unwrap_or_default();
        exts.insert(
            0,
            ext("2.5.29.19", true, seq(&[&[0x01, 0x01, 0xFF], &path_len])),
        );
    }
    let tbs = seq(&[
        &ctx(0, &int(2)),
        &int(spec.serial),
        &sig_alg,
        &spec.issuer,
        &seq(&[&utc_time(spec.not_before), &utc_time(spec.not_after)]),
        &spec.subject,
        &spec.subject_key.spki(),
        &ctx(3, &seq(&exts.iter().map(Vec::as_slice).collect::<Vec<_>>())),
    ]);
    let sig = spec.issuer_key.sign(&tbs);
    seq(&[&tbs, &sig_alg, &bits(&sig)])
}

/// The test PKI: CSCAs and document signers with their certificates.
pub struct TestPki {
    csca_key: PkiKey,
    /// DER of the test CSCA certificate (trusted only with `--allow-test-csca`).
    pub csca_cert: Vec<u8>,
    ds_key: PkiKey,
    /// DER of the test DS certificate.
    pub ds_cert: Vec<u8>,
    /// DER of a DS certificate that expired on 31/12/2022.
    pub expired_ds_cert: Vec<u8>,
    other_csca_key: PkiKey,
    /// DER of a CSCA nobody trusts, for the unknown-issuer case.
    pub other_csca_cert: Vec<u8>,
    other_ds_key: PkiKey,
    /// DER of a DS under that other CSCA.
    pub other_ds_cert: Vec<u8>,
}

const TEST_O: &str = "cccd-bridge TEST (not a real authority)";

impl TestPki {
    /// Builds the whole test PKI from its fixed seeds (P-256: the virtual card's PKI).
    pub fn new() -> Self {
        Self::on_curve(PkiCurve::P256)
    }

    /// The same PKI (names, serials, validity, extensions) with its CSCA and DS keys on
    /// `curve`. The P-256 PKI is the virtual card's; the brainpoolP256r1 one has other keys and
    /// certificates (its CSCA's name ends in "(brainpoolP256r1)"), still deterministic.
    pub fn on_curve(curve: PkiCurve) -> Self {
        let key = |seed: &str| PkiKey::from_seed(curve, seed);
        let csca_key = key("cccd-bridge test CSCA");
        let ds_key = key("cccd-bridge test DS");
        let other_csca_key = key("cccd-bridge untrusted CSCA");
        let other_ds_key = key("cccd-bridge untrusted DS");
        let suffix = match curve {
            PkiCurve::P256 => "",
            PkiCurve::BrainpoolP256r1 => " (brainpoolP256r1)",
        };
        let csca_name = name(&format!("cccd-bridge TEST CSCA{suffix}"), TEST_O);
        let other_name = name(&format!("cccd-bridge UNTRUSTED CSCA{suffix}"), TEST_O);
        let csca_cert = certificate(&CertSpec {
            serial: 1,
            issuer: csca_name.clone(),
            subject: csca_name.clone(),
            not_before: "200101000000",
            not_after: "391231235959",
            subject_key: &csca_key,
            issuer_key: &csca_key,
            ca: true,
            path_len: None,
            claimed_issuer_key: None,
        });
        let ds_cert = certificate(&CertSpec {
            serial: 2,
            issuer: csca_name.clone(),
            subject: name("cccd-bridge TEST Document Signer", TEST_O),
            not_before: "210101000000",
            not_after: "311231235959",
            subject_key: &ds_key,
            issuer_key: &csca_key,
            ca: false,
            path_len: None,
            claimed_issuer_key: None,
        });
        let expired_ds_cert = certificate(&CertSpec {
            serial: 3,
            issuer: csca_name,
            subject: name("cccd-bridge TEST Document Signer (expired)", TEST_O),
            not_before: "210101000000",
            not_after: "221231235959",
            subject_key: &ds_key,
            issuer_key: &csca_key,
            ca: false,
            path_len: None,
            claimed_issuer_key: None,
        });
        let other_csca_cert = certificate(&CertSpec {
            serial: 1,
            issuer: other_name.clone(),
            subject: other_name.clone(),
            not_before: "200101000000",
            not_after: "391231235959",
            subject_key: &other_csca_key,
            issuer_key: &other_csca_key,
            ca: true,
            path_len: None,
            claimed_issuer_key: None,
        });
        let other_ds_cert = certificate(&CertSpec {
            serial: 2,
            issuer: other_name,
            subject: name("cccd-bridge UNTRUSTED Document Signer", TEST_O),
            not_before: "210101000000",
            not_after: "311231235959",
            subject_key: &other_ds_key,
            issuer_key: &other_csca_key,
            ca: false,
            path_len: None,
            claimed_issuer_key: None,
        });
        Self {
            csca_key,
            csca_cert,
            ds_key,
            ds_cert,
            expired_ds_cert,
            other_csca_key,
            other_csca_cert,
            other_ds_key,
            other_ds_cert,
        }
    }

    /// EF.SOD (ICAO 9303-10 §4.6.2): CMS SignedData over the LDS security object holding the
    /// SHA-256 hash of each data group, signed by the chosen document signer.
    /// `content_type` is [`LDS_SECURITY_OBJECT`] normally, [`ID_DATA`] to imitate the countries
    /// that use id-data. `signing_time` is `YYMMDDhhmmss`.
    pub fn sign_sod(
        &self,
        data_groups: &[(u8, &[u8])],
        signer: Signer2,
        content_type: &str,
        signing_time: &str,
    ) -> Vec<u8> {
        let (key, cert) = match signer {
            Signer2::TestDs => (&self.ds_key, &self.ds_cert),
            Signer2::ExpiredDs => (&self.ds_key, &self.expired_ds_cert),
            Signer2::UnknownCsca => (&self.other_ds_key, &self.other_ds_cert),
        };
        sign_sod_with(key, cert, data_groups, content_type, signing_time)
    }

    /// A CRL (RFC 5280 §5.1) of the test CSCA revoking the certificates with these serial
    /// numbers (the test DS is serial 2, the expired one 3).
    pub fn crl(&self, revoked: &[u64]) -> Vec<u8> {
        self.crl_signed_by(revoked, &self.csca_key)
    }

    /// The same CRL signed with the untrusted CSCA's key: a forged CRL.
    pub fn forged_crl(&self, revoked: &[u64]) -> Vec<u8> {
        self.crl_signed_by(revoked, &self.other_csca_key)
    }

    fn crl_signed_by(&self, revoked: &[u64], key: &PkiKey) -> Vec<u8> {
        let sig_alg = seq(&[&oid(ECDSA_WITH_SHA256)]);
        let entries: Vec<Vec<u8>> = revoked
            .iter()
            .map(|n| seq(&[&int(*n), &utc_time("240101000000")]))
            .collect();
        // The DS certificate's issuer is the test CSCA's name.
        let (issuer, _) = issuer_and_serial(&self.ds_cert);
        let mut parts: Vec<Vec<u8>> = vec![
            int(1),
            sig_alg.clone(),
            issuer,
            utc_time("260101000000"),
            utc_time("391231235959"),
        ];
        if !entries.is_empty() {
            parts.push(seq(&entries.iter().map(Vec::as_slice).collect::<Vec<_>>()));
        }
        let tbs = seq(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let sig = key.sign(&tbs);
        seq(&[&tbs, &sig_alg, &bits(&sig)])
    }

    /// The test CSCA's public key as an uncompressed SEC1 point (its private key is never
    /// needed outside this module; a test checks it signs what its certificate says).
    pub fn csca_public_point(&self) -> Vec<u8> {
        self.csca_key.point()
    }

    /// The untrusted CSCA's public point (tests).
    pub fn other_csca_public_point(&self) -> Vec<u8> {
        self.other_csca_key.point()
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

/// A test PKI whose CSCA rolls over (ICAO 9303-12 §4, §5.1.1): the old CSCA, its successor
/// (self-signed), the link certificate between them (the new CSCA's name and key, signed with
/// the old key, CA with pathLenConstraint 0), a forged link signed by another key that claims
/// the old CSCA as issuer, and a document signer under the new CSCA. Fixed seeds, P-256, as
/// deterministic as [`TestPki`]; the names say "ROLLOVER", never the virtual card's "TEST CSCA".
pub struct RolloverPki {
    old_csca_key: PkiKey,
    old_name: Vec<u8>,
    new_csca_key: PkiKey,
    new_name: Vec<u8>,
    forger_key: PkiKey,
    ds_key: PkiKey,
    /// The old CSCA's self-signed certificate (valid 2020-2035: it expires before the document
    /// signer, so that tests can judge it at a later signing time).
    pub old_csca_cert: Vec<u8>,
    /// The new CSCA's self-signed certificate (valid 2026-2049).
    pub new_csca_cert: Vec<u8>,
    /// The link certificate, valid 2026-01-01 to 2040-12-31.
    pub link_cert: Vec<u8>,
    /// A link certificate with the same content, signed by an unrelated key.
    pub forged_link_cert: Vec<u8>,
    /// The document signer under the new CSCA (valid 2026-2036).
    pub ds_cert: Vec<u8>,
}

impl RolloverPki {
    /// The rollover PKI of Vietnam (every name `C=VN`).
    pub fn new() -> Self {
        Self::with_countries("VN", "VN")
    }

    /// The same PKI with the old CSCA of `old_country` and the new CSCA and its document
    /// signer of `new_country` (a link across countries, which no state issues).
    pub fn with_countries(old_country: &str, new_country: &str) -> Self {
        let key = |seed: &str| PkiKey::from_seed(PkiCurve::P256, seed);
        let old_csca_key = key("cccd-bridge rollover old CSCA");
        let new_csca_key = key("cccd-bridge rollover new CSCA");
        let forger_key = key("cccd-bridge rollover forger");
        let ds_key = key("cccd-bridge rollover DS");
        let o = "cccd-bridge ROLLOVER (not a real authority)";
        let old_name = name_in(old_country, "cccd-bridge ROLLOVER CSCA 2020", o);
        let new_name = name_in(new_country, "cccd-bridge ROLLOVER CSCA 2026", o);
        let self_signed = |serial, name: &Vec<u8>, k: &PkiKey, from, to| {
            certificate(&CertSpec {
                serial,
                issuer: name.clone(),
                subject: name.clone(),
                not_before: from,
                not_after: to,
                subject_key: k,
                issuer_key: k,
                ca: true,
                path_len: Some(0),
                claimed_issuer_key: None,
            })
        };
        let old_csca_cert =
            self_signed(1, &old_name, &old_csca_key, "200101000000", "351231235959");
        let new_csca_cert =
            self_signed(1, &new_name, &new_csca_key, "260101000000", "491231235959");
        let ds_cert = certificate(&CertSpec {
            serial: 2,
            issuer: new_name.clone(),
            subject: name_in(new_country, "cccd-bridge ROLLOVER Document Signer", o),
            not_before: "260101000000",
            not_after: "361231235959",
            subject_key: &ds_key,
            issuer_key: &new_csca_key,
            ca: false,
            path_len: None,
            claimed_issuer_key: None,
        });
        let mut pki = Self {
            old_csca_key,
            old_name,
            new_csca_key,
            new_name,
            forger_key,
            ds_key,
            old_csca_cert,
            new_csca_cert,
            link_cert: Vec::new(),
            forged_link_cert: Vec::new(),
            ds_cert,
        };
        pki.link_cert = pki.link_valid("260101000000", "401231235959");
        pki.forged_link_cert = pki.link_signed_by(&pki.forger_key, "260101000000", "401231235959");
        pki
    }

    /// A link certificate valid from `not_before` to `not_after` (`YYMMDDhhmmss`).
    pub fn link_valid(&self, not_before: &str, not_after: &str) -> Vec<u8> {
        self.link_signed_by(&self.old_csca_key, not_before, not_after)
    }

    fn link_signed_by(&self, key: &PkiKey, not_before: &str, not_after: &str) -> Vec<u8> {
        certificate(&CertSpec {
            serial: 100,
            issuer: self.old_name.clone(),
            subject: self.new_name.clone(),
            not_before,
            not_after,
            subject_key: &self.new_csca_key,
            issuer_key: key,
            ca: true,
            path_len: Some(0),
            claimed_issuer_key: Some(&self.old_csca_key),
        })
    }

    /// EF.SOD over `data_groups`, signed by the document signer under the new CSCA at
    /// `signing_time` (`YYMMDDhhmmss`).
    pub fn sign_sod(&self, data_groups: &[(u8, &[u8])], signing_time: &str) -> Vec<u8> {
        sign_sod_with(
            &self.ds_key,
            &self.ds_cert,
            data_groups,
            LDS_SECURITY_OBJECT,
            signing_time,
        )
    }

    /// The public points of the old CSCA, the new CSCA and the forger (tests).
    pub fn public_points(&self) -> [Vec<u8>; 3] {
        [
            self.old_csca_key.point(),
            self.new_csca_key.point(),
            self.forger_key.point(),
        ]
    }
}

impl Default for RolloverPki {
    fn default() -> Self {
        Self::new()
    }
}

/// EF.SOD (ICAO 9303-10 §4.6.2) over `data_groups`' SHA-256 hashes, signed by `key` whose
/// certificate `cert` it embeds.
fn sign_sod_with(
    key: &PkiKey,
    cert: &[u8],
    data_groups: &[(u8, &[u8])],
    content_type: &str,
    signing_time: &str,
) -> Vec<u8> {
    let sha256 = seq(&[&oid(SHA256)]);
    let hashes: Vec<Vec<u8>> = data_groups
        .iter()
        .map(|(n, d)| seq(&[&int(u64::from(*n)), &octets(&Sha256::digest(d))]))
        .collect();
    let lds = seq(&[
        &int(0),
        &sha256,
        &seq(&hashes.iter().map(Vec::as_slice).collect::<Vec<_>>()),
    ]);
    let attr = |id: &str, value: Vec<u8>| seq(&[&oid(id), &set_of(vec![value])]);
    let attrs = set_of(vec![
        attr("1.2.840.113549.1.9.3", oid(content_type)),
        attr("1.2.840.113549.1.9.4", octets(&Sha256::digest(&lds))),
        attr("1.2.840.113549.1.9.5", utc_time(signing_time)),
    ]);
    // RFC 5652 §5.4: the signature covers the DER SET OF; in the SignerInfo the same bytes
    // carry the [0] IMPLICIT tag.
    let signature = key.sign(&attrs);
    let mut signed_attrs = attrs.clone();
    signed_attrs[0] = 0xA0;
    let (issuer, serial) = issuer_and_serial(cert);
    let signer_info = seq(&[
        &int(1),
        &seq(&[&issuer, &serial]),
        &sha256,
        &signed_attrs,
        &seq(&[&oid(ECDSA_WITH_SHA256)]),
        &octets(&signature),
    ]);
    let signed_data = seq(&[
        &int(3),
        &set_of(vec![sha256.clone()]),
        &seq(&[&oid(content_type), &ctx(0, &octets(&lds))]),
        &ctx(0, cert),
        &set_of(vec![signer_info]),
    ]);
    tlv(0x77, &seq(&[&oid(ID_SIGNED_DATA), &ctx(0, &signed_data)]))
}

/// The issuer Name and serial number INTEGER of a certificate we built (TBSCertificate fields
/// 4 and 2), for the SignerInfo's IssuerAndSerialNumber.
fn issuer_and_serial(cert: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut fields = Vec::new();
    if let Some(tbs) = children(cert).first().copied() {
        fields = children(tbs);
    }
    let get = |i: usize| fields.get(i).map(|f| f.to_vec()).unwrap_or_default();
    (get(3), get(1))
}

/// The raw child TLVs of a constructed DER element (ours: definite lengths only).
fn children(el: &[u8]) -> Vec<&[u8]> {
    let Some(h) = header(el) else {
        return Vec::new();
    };
    let mut content = &el[h.0..h.0 + h.1];
    let mut out = Vec::new();
    while let Some((hl, vl)) = header(content) {
        out.push(&content[..hl + vl]);
        content = &content[hl + vl..];
    }
    out
}

fn header(b: &[u8]) -> Option<(usize, usize)> {
    let h = asn1::decode_header(b).ok()?;
    (h.total_len() <= b.len()).then_some((h.header_len, h.value_len))
}

/// What DG14 announces (ICAO 9303-11 §9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dg14Contents {
    /// The chip-authentication protocol a `ChipAuthenticationInfo` names (`None`: DG14 has
    /// only the `ChipAuthenticationPublicKeyInfo`, and the terminal must find the cipher).
    pub ca_info: Option<icao9303::Cipher>,
    /// An `ActiveAuthenticationInfo` naming ECDSA with SHA-256 (only for an ECDSA DG15, §9.2.2).
    pub aa_ecdsa_info: bool,
}

/// DG14 (ICAO 9303-11 §9.2): SecurityInfos with the chip-authentication public key on
/// brainpoolP256r1 and, as `contents` says, the protocol and the active-authentication info,
/// then the terminal-authentication info the CCCD announces.
pub fn dg14_with(chip_ca_key: &ChipKey, contents: Dg14Contents) -> Vec<u8> {
    let mut infos = Vec::new();
    if let Some(cipher) = contents.ca_info {
        infos.push(seq(&[
            &tlv(0x06, &icao9303::ca::ca_ecdh_oid(cipher)),
            &int(1),
        ]));
    }
    infos.push(seq(&[&oid(ID_PK_ECDH), &bp256_spki(chip_ca_key)]));
    if contents.aa_ecdsa_info {
        infos.push(seq(&[&oid(ID_AA), &int(1), &oid(ECDSA_WITH_SHA256)]));
    }
    infos.push(seq(&[&oid("0.4.0.127.0.7.2.2.2"), &int(1)]));
    tlv(0x6E, &set_of(infos))
}

/// DG14 of a chip with CA `id-CA-ECDH-AES-CBC-CMAC-128` named and ECDSA Active
/// Authentication (the virtual card before RSA Active Authentication).
pub fn dg14(chip_ca_key: &ChipKey) -> Vec<u8> {
    dg14_with(
        chip_ca_key,
        Dg14Contents {
            ca_info: Some(icao9303::Cipher::Aes128),
            aa_ecdsa_info: true,
        },
    )
}

/// DG15 (ICAO 9303-11 §6.1): the active-authentication public key on brainpoolP256r1 (ECDSA).
pub fn dg15(chip_aa_key: &ChipKey) -> Vec<u8> {
    tlv(0x6F, &bp256_spki(chip_aa_key))
}

/// DG15 holding an RSA active-authentication public key (what CCCDs have, per the notes).
pub fn dg15_rsa(key: &impl rsa::traits::PublicKeyParts) -> Vec<u8> {
    tlv(0x6F, &crate::rsa_key::rsa_spki(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;

    /// Checks `tbs`'s ECDSA-SHA256 signature `sig` (DER) with the SEC1 `point` on `curve`.
    fn verify(curve: PkiCurve, point: &[u8], tbs: &[u8], sig: &[u8]) {
        match curve {
            PkiCurve::P256 => {
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).unwrap();
                let sig = p256::ecdsa::Signature::from_der(sig).unwrap();
                key.verify(tbs, &sig).unwrap();
            }
            PkiCurve::BrainpoolP256r1 => {
                let key =
                    ecdsa::VerifyingKey::<bp256::BrainpoolP256r1>::from_sec1_bytes(point).unwrap();
                let sig = ecdsa::Signature::<bp256::BrainpoolP256r1>::from_der(sig).unwrap();
                key.verify(tbs, &sig).unwrap();
            }
        }
    }

    #[test]
    fn certificates_are_signed_by_their_issuers() {
        for curve in [PkiCurve::P256, PkiCurve::BrainpoolP256r1] {
            let pki = TestPki::on_curve(curve);
            for (cert, key) in [
                (&pki.csca_cert, pki.csca_public_point()),
                (&pki.ds_cert, pki.csca_public_point()),
                (&pki.expired_ds_cert, pki.csca_public_point()),
                (&pki.other_ds_cert, pki.other_csca_public_point()),
            ] {
                let parts = children(cert);
                assert_eq!(parts.len(), 3);
                verify(curve, &key, parts[0], &parts[2][3..]);
            }
        }
    }

    #[test]
    fn the_rollover_certificates_are_signed_by_the_keys_they_should_be() {
        let pki = RolloverPki::new();
        let [old, new, forger] = pki.public_points();
        for (cert, key) in [
            (&pki.old_csca_cert, &old),
            (&pki.new_csca_cert, &new),
            (&pki.link_cert, &old),
            (&pki.forged_link_cert, &forger),
            (&pki.ds_cert, &new),
        ] {
            let parts = children(cert);
            verify(PkiCurve::P256, key, parts[0], &parts[2][3..]);
        }
        assert_eq!(RolloverPki::new().link_cert, pki.link_cert);
    }

    #[test]
    fn the_pki_is_deterministic() {
        assert_eq!(TestPki::new().csca_cert, TestPki::new().csca_cert);
        let sod = |p: &TestPki| {
            p.sign_sod(
                &[(1, b"x")],
                Signer2::TestDs,
                LDS_SECURITY_OBJECT,
                "210412000000",
            )
        };
        assert_eq!(sod(&TestPki::new()), sod(&TestPki::new()));
        let bp = TestPki::on_curve(PkiCurve::BrainpoolP256r1);
        assert_eq!(
            bp.ds_cert,
            TestPki::on_curve(PkiCurve::BrainpoolP256r1).ds_cert
        );
        assert_ne!(bp.csca_cert, TestPki::new().csca_cert);
    }

    /// The virtual card's P-256 certificates are those `cccd sim --write-test-pki` has always
    /// written (SHA-256 of the DER).
    #[test]
    fn the_p256_certificates_do_not_change() {
        let pki = TestPki::new();
        for (der, sha256) in [
            (
                &pki.csca_cert,
                "c5f235518981a088f5525f4fda68cc46405481835a561160d495309eefb40dff",
            ),
            (
                &pki.ds_cert,
                "916fe0bad2e8d3e190972db5b188c1c7dc6ec918d5f6a267364355df4b175358",
            ),
            (
                &pki.other_ds_cert,
                "6849380f9c808d695171eb75ea534a2cf310e48c7c4a4ba38554bb80c66e8a03",
            ),
        ] {
            assert_eq!(hex::encode(Sha256::digest(der)), sha256);
        }
    }

    #[test]
    fn the_brainpool_ds_certificate_holds_a_brainpool_key() {
        let pki = TestPki::on_curve(PkiCurve::BrainpoolP256r1);
        let spki = bp256_spki(&chip_key("cccd-bridge test DS brainpoolP256r1"));
        assert!(
            pki.ds_cert.windows(spki.len()).any(|w| w == spki),
            "the DS certificate carries the brainpoolP256r1 key"
        );
    }
}
