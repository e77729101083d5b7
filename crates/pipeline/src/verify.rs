//! What a read has established so far, turned into stages as soon as each is complete: the
//! identity (DG1 and DG13), the verification (EF.SOD, the security files and the clone check),
//! the photo (DG2, checked against EF.SOD).

use std::cell::OnceCell;

use citizen::CitizenRecord;
use icao9303::aa::AaHash;
use icao9303::lds::{DataGroup1, DataGroup14, DataGroup15};
use icao9303::read::LdsFile;
use icao9303::{ActiveAuthOutcome, ChipAuthOutcome, CloneCheck};
use trust::algorithms::{EcdsaSignatureEncoding, HashAlgorithm, SignatureAlgorithm};
use trust::{
    ActiveAuthenticationKey, CardVerification, ChipProof, CscaStore, DataGroupHash, SodVerification,
};

use crate::photo::{Photo, photo_of};
use crate::reader::Stage;

/// The files a read is after, what has come of them, and which stages were reported.
pub(crate) struct Progress<'s> {
    wanted: Vec<LdsFile>,
    /// A clone check will run (it is asked for, and DG14 or DG15 is among the files).
    check_expected: bool,
    store: Option<&'s CscaStore>,
    check: Option<CloneCheck>,
    pub(crate) citizen: Option<CitizenRecord>,
    identity_sent: bool,
    verified_sent: bool,
    pub(crate) photo: Option<Photo>,
    /// EF.SOD's signature and chain, verified once, at the first verdict (so that `cccd bench`
    /// still counts it as verification); the final verdict and the photo's hash check reuse it.
    sod: OnceCell<SodVerification>,
}

fn get(files: &[(LdsFile, Vec<u8>)], f: LdsFile) -> Option<&[u8]> {
    files
        .iter()
        .find(|(g, _)| *g == f)
        .map(|(_, d)| d.as_slice())
}

impl<'s> Progress<'s> {
    pub(crate) fn new(wanted: &[LdsFile], clone_check: bool, store: Option<&'s CscaStore>) -> Self {
        let check_expected = clone_check
            && wanted
                .iter()
                .any(|f| matches!(f, LdsFile::Dg(14) | LdsFile::Dg(15)));
        Self {
            wanted: wanted.to_vec(),
            check_expected,
            store,
            check: None,
            citizen: None,
            identity_sent: false,
            verified_sent: false,
            photo: None,
            sod: OnceCell::new(),
        }
    }

    fn has_all(&self, files: &[(LdsFile, Vec<u8>)], fs: &[LdsFile]) -> bool {
        fs.iter()
            .all(|f| !self.wanted.contains(f) || get(files, *f).is_some())
    }

    /// The clone check is done.
    pub(crate) fn clone_checked(&mut self, check: CloneCheck) {
        self.check = Some(check);
    }

    /// Reports the stages that `files` (everything read so far) complete.
    pub(crate) fn advance(&mut self, files: &[(LdsFile, Vec<u8>)], on: &mut dyn FnMut(Stage<'_>)) {
        if !self.identity_sent
            && let Some(dg13) = get(files, LdsFile::Dg(13))
            && self.has_all(files, &[LdsFile::Dg(1)])
        {
            self.identity_sent = true;
            match CitizenRecord::from_files(dg13, get(files, LdsFile::Dg(1))) {
                Ok(record) => {
                    on(Stage::Identity(&record));
                    self.citizen = Some(record);
                }
                Err(e) => tracing::warn!(error = %e, "DG13 could not be parsed"),
            }
        }
        let security = [LdsFile::Sod, LdsFile::Dg(14), LdsFile::Dg(15)];
        let check_done = self.check.is_some() || !self.check_expected;
        if !self.verified_sent
            && get(files, LdsFile::Sod).is_some()
            && self.has_all(files, &security)
            && check_done
        {
            self.verified_sent = true;
            if let Some(v) = self.verify(files, false) {
                on(Stage::Verified(&v));
            }
        }
        if self.photo.is_none()
            && let Some(dg2) = get(files, LdsFile::Dg(2))
        {
            match photo_of(dg2) {
                Ok(mut p) => {
                    p.hash_verified = self
                        .sod_verification(files)
                        .and_then(SodVerification::sod)
                        .is_some_and(|s| s.check_data_group(2, dg2) == DataGroupHash::Matches);
                    on(Stage::Photo(&p));
                    self.photo = Some(p);
                }
                Err(e) => tracing::warn!(error = %e, "the photo could not be shown"),
            }
        }
    }

    /// EF.SOD verified (once), when it has been read.
    fn sod_verification(&self, files: &[(LdsFile, Vec<u8>)]) -> Option<&SodVerification> {
        let bytes = get(files, LdsFile::Sod)?;
        Some(
            self.sod
                .get_or_init(|| SodVerification::new(bytes, self.store, None, None)),
        )
    }

    /// The verdict on `files` (all of them with `with_photo`, else without DG2).
    pub(crate) fn verify(
        &self,
        files: &[(LdsFile, Vec<u8>)],
        with_photo: bool,
    ) -> Option<CardVerification> {
        let sod = self.sod_verification(files)?;
        let dgs: Vec<(u8, &[u8])> = files
            .iter()
            .filter_map(|(f, d)| {
                f.dg_number()
                    .filter(|n| with_photo || *n != 2)
                    .map(|n| (n, d.as_slice()))
            })
            .collect();
        // ICAO 9303-11 §5.1: trusted only under a CSCA of the state DG1 names.
        let issuing_state = get(files, LdsFile::Dg(1)).and_then(issuing_state_of_dg1);
        let proof = chip_proof(self.check.as_ref());
        let dg15 = get(files, LdsFile::Dg(15)).map(DataGroup15::parse);
        let aa = dg15.as_ref().map(|d| ActiveAuthenticationKey {
            spki: d.as_ref().ok().map(|d| d.spki.as_slice()),
            algorithm: get(files, LdsFile::Dg(14)).and_then(aa_algorithm),
        });
        Some(sod.judge(&dgs, issuing_state.as_deref(), &proof, aa))
    }
}

/// The issuing state of DG1's MRZ (ICAO 9303-3 §5; positions 3-5 of the first line in the
/// TD1, TD2 and TD3 formats of 9303-4/5/6), as written there (`VNM`, `D<<`), for trust's
/// `chain.issuing-state`; `None` when DG1 cannot be parsed.
pub fn issuing_state_of_dg1(dg1: &[u8]) -> Option<String> {
    let dg1 = DataGroup1::parse(dg1).ok()?;
    dg1.mrz
        .lines()
        .first()
        .and_then(|line| line.get(2..5))
        .map(str::to_owned)
}

/// What the chip proved, in the trust crate's terms.
fn chip_proof(check: Option<&CloneCheck>) -> ChipProof {
    let Some(p) = check else {
        return ChipProof::NotPerformed("DG14 and DG15 were not read".into());
    };
    match (&p.chip_authentication, &p.active_authentication) {
        (Some(ChipAuthOutcome::Passed(_)), _) => ChipProof::ChipAuthenticationPassed,
        (Some(ChipAuthOutcome::Failed { reason, .. }), _) => {
            ChipProof::ChipAuthenticationFailed(format!("{reason:?}"))
        }
        (
            _,
            Some(ActiveAuthOutcome::Signed {
                challenge,
                signature,
            }),
        ) => ChipProof::ActiveAuthentication {
            challenge: challenge.to_vec(),
            signature: signature.clone(),
        },
        (_, Some(ActiveAuthOutcome::Refused { sw, .. })) => {
            ChipProof::NotPerformed(format!("the chip refused active authentication ({sw})"))
        }
        (Some(ChipAuthOutcome::NotSupported(why)), None) => {
            ChipProof::NotPerformed(format!("chip authentication not supported: {why}"))
        }
        _ => {
            ChipProof::NotPerformed("the chip offers neither chip nor active authentication".into())
        }
    }
}

/// The ECDSA hash DG14's ActiveAuthenticationInfo names (plain r||s signature).
fn aa_algorithm(dg14: &[u8]) -> Option<SignatureAlgorithm> {
    let infos = DataGroup14::parse(dg14).ok()?.security_infos;
    let hash = infos.active_authentication_info()?.ecdsa_hash()?;
    let h = match hash {
        AaHash::Sha1 => HashAlgorithm::Sha1,
        AaHash::Sha224 => HashAlgorithm::Sha224,
        AaHash::Sha256 => HashAlgorithm::Sha256,
        AaHash::Sha384 => HashAlgorithm::Sha384,
        AaHash::Sha512 => HashAlgorithm::Sha512,
        _ => return None,
    };
    Some(SignatureAlgorithm::Ecdsa(h, EcdsaSignatureEncoding::Plain))
}
