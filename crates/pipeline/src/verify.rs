//! What a read has established so far, turned into stages as soon as each is complete: the
//! identity (DG1 and DG13), the verification (EF.SOD, the security files and the clone check),
//! the photo (DG2, checked against EF.SOD).

use std::cell::OnceCell;
use std::collections::BTreeSet;

use citizen::CitizenRecord;
use icao9303::aa::AaHash;
use icao9303::lds::{DataGroup1, DataGroup14, DataGroup15, EfCom};
use icao9303::read::LdsFile;
use icao9303::{ActiveAuthOutcome, ChipAuthOutcome, CloneCheck, FileUnavailable};
use trust::algorithms::{EcdsaSignatureEncoding, HashAlgorithm, SignatureAlgorithm};
use trust::{
    ActiveAuthenticationKey, CardVerification, ChipProof, CscaStore, DataGroupHash,
    SodVerification, Verdict,
};

use registration::{ChipVerdict, RegistrationBlock};

use crate::photo::{Photo, photo_of};
use crate::reader::Stage;

/// Files as read, and files the chip did not give.
pub(crate) type Files = [(LdsFile, Vec<u8>)];
pub(crate) type NotGiven = [(LdsFile, FileUnavailable)];

/// What a read has established, reported as stages when the caller says each is complete.
pub(crate) struct Progress<'s> {
    store: Option<&'s CscaStore>,
    check: Option<CloneCheck>,
    /// Why there is no clone check, when there is none.
    no_check: String,
    pub(crate) citizen: Option<CitizenRecord>,
    pub(crate) photo: Option<Photo>,
    /// EF.SOD's signature and chain, verified once, at the first verdict (so that `cccd bench`
    /// still counts it as verification); the final verdict and the photo's hash check reuse it.
    sod: OnceCell<SodVerification>,
}

fn get(files: &Files, f: LdsFile) -> Option<&[u8]> {
    files
        .iter()
        .find(|(g, _)| *g == f)
        .map(|(_, d)| d.as_slice())
}

fn not_given(unavailable: &NotGiven, f: LdsFile) -> Option<FileUnavailable> {
    unavailable
        .iter()
        .find(|(g, _)| *g == f)
        .map(|(_, why)| *why)
}

impl<'s> Progress<'s> {
    pub(crate) fn new(store: Option<&'s CscaStore>) -> Self {
        Self {
            store,
            check: None,
            no_check: "DG14 and DG15 were not read".into(),
            citizen: None,
            photo: None,
            sod: OnceCell::new(),
        }
    }

    /// The clone check is done.
    pub(crate) fn clone_checked(&mut self, check: CloneCheck) {
        self.check = Some(check);
    }

    /// No clone check will run, because `why`.
    pub(crate) fn no_clone_check(&mut self, why: impl Into<String>) {
        self.no_check = why.into();
    }

    /// The identity, once DG1 and DG13 have been asked for: from DG13 (with DG1) when the chip
    /// gave it, else from DG1 alone (a document without the Vietnamese part: a passport).
    pub(crate) fn identity(&mut self, files: &Files, on: &mut dyn FnMut(Stage<'_>)) {
        let dg1 = get(files, LdsFile::Dg(1));
        let record = match (get(files, LdsFile::Dg(13)), dg1) {
            (Some(dg13), dg1) => CitizenRecord::from_files(dg13, dg1),
            (None, Some(dg1)) => CitizenRecord::from_dg1_file(dg1, jiff::Zoned::now().date()),
            (None, None) => return,
        };
        match record {
            Ok(record) => {
                let block = registration_block(&record, None);
                on(Stage::Identity(&record, &block));
                self.citizen = Some(record);
            }
            Err(e) => tracing::warn!(error = %e, "the identity files could not be parsed"),
        }
    }

    /// The verification of everything read so far but the photo, reported.
    pub(crate) fn verified(
        &mut self,
        files: &Files,
        unavailable: &NotGiven,
        on: &mut dyn FnMut(Stage<'_>),
    ) {
        if let Some(v) = self.verification(files, unavailable, false) {
            let block = self
                .citizen
                .as_ref()
                .map(|c| registration_block(c, Some(&v)));
            on(Stage::Verified(&v, block.as_ref()));
        }
    }

    /// The photo (DG2) with its hash checked against EF.SOD, reported.
    pub(crate) fn photo(&mut self, files: &Files, on: &mut dyn FnMut(Stage<'_>)) {
        let Some(dg2) = get(files, LdsFile::Dg(2)) else {
            return;
        };
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

    /// DG13's date of issue, when whole: the time a SOD without signingTime is judged at.
    fn date_of_issue(&self) -> Option<der::DateTime> {
        match self.citizen.as_ref()?.date_of_issue? {
            citizen::PartialDate::Full(d) => der::DateTime::new(
                u16::try_from(d.year()).ok()?,
                u8::try_from(d.month()).ok()?,
                u8::try_from(d.day()).ok()?,
                0,
                0,
                0,
            )
            .ok(),
            _ => None,
        }
    }

    /// The data groups the card lists: EF.COM's tag list and EF.SOD's hashes, as far as read.
    pub(crate) fn listed(&self, files: &Files) -> BTreeSet<u8> {
        let mut listed = BTreeSet::new();
        if let Some(com) = get(files, LdsFile::Com).and_then(|c| EfCom::parse(c).ok()) {
            listed.extend(com.data_groups());
        }
        if let Some(sod) = self.sod_verification(files).and_then(SodVerification::sod) {
            listed.extend(sod.lds_security_object().data_group_hashes.keys().copied());
        }
        listed
    }

    /// EF.SOD verified (once), when it has been read.
    fn sod_verification(&self, files: &Files) -> Option<&SodVerification> {
        let bytes = get(files, LdsFile::Sod)?;
        Some(self.sod.get_or_init(|| {
            SodVerification::of_document(bytes, self.store, self.date_of_issue(), None)
        }))
    }

    /// The verdict on `files` (all of them with `with_photo`, else without DG2), with the
    /// files the card lists but did not give; `None` when EF.SOD was not asked for.
    pub(crate) fn verification(
        &self,
        files: &Files,
        unavailable: &NotGiven,
        with_photo: bool,
    ) -> Option<CardVerification> {
        let listed = self.listed(files);
        let missing: Vec<(u8, String)> = unavailable
            .iter()
            .filter_map(|(f, why)| f.dg_number().map(|n| (n, why)))
            .filter(|(n, _)| listed.contains(n))
            .map(|(n, why)| (n, why.to_string()))
            .collect();
        let Some(sod) = self.sod_verification(files) else {
            return not_given(unavailable, LdsFile::Sod).map(|why| {
                CardVerification::without_sod(&why.to_string()).with_files_not_given(&missing)
            });
        };
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
        let proof = chip_proof(self.check.as_ref(), &self.no_check);
        let dg15 = get(files, LdsFile::Dg(15)).map(DataGroup15::parse);
        let aa = dg15.as_ref().map(|d| ActiveAuthenticationKey {
            spki: d.as_ref().ok().map(|d| d.spki.as_slice()),
            algorithm: get(files, LdsFile::Dg(14)).and_then(aa_algorithm),
        });
        Some(
            sod.judge(&dgs, issuing_state.as_deref(), &proof, aa)
                .with_files_not_given(&missing),
        )
    }
}

/// The registration block of a chip read (his-integration.md): `chip-verified` values when
/// `verification`'s verdict is `genuine`, else (or before the verdict) `chip-unverified`.
pub fn registration_block(
    citizen: &CitizenRecord,
    verification: Option<&CardVerification>,
) -> RegistrationBlock {
    let verdict = match verification.map(|v| v.verdict) {
        Some(Verdict::Genuine) => ChipVerdict::Genuine,
        _ => ChipVerdict::NotGenuine,
    };
    RegistrationBlock::from_citizen_record(citizen, verdict)
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

/// What the chip proved, in the trust crate's terms (`no_check`: why there was no clone check,
/// when there was none).
fn chip_proof(check: Option<&CloneCheck>, no_check: &str) -> ChipProof {
    let Some(p) = check else {
        return ChipProof::NotPerformed(no_check.to_owned());
    };
    match (&p.chip_authentication, &p.active_authentication) {
        (Some(ChipAuthOutcome::Passed(_)), _) => ChipProof::ChipAuthenticationPassed,
        (Some(ChipAuthOutcome::Failed { reason, .. }), _) => {
            ChipProof::ChipAuthenticationFailed(reason.to_string())
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
        // Active authentication runs only when chip authentication did not: a refusal then
        // leaves the chip unproven by its own choice.
        (_, Some(ActiveAuthOutcome::Refused { sw, .. })) => {
            ChipProof::ActiveAuthenticationRefused(format!(
                "the chip refused active authentication ({sw}) and chip authentication was not run"
            ))
        }
        (Some(ChipAuthOutcome::Refused(refusals)), None) => ChipProof::NotPerformed(format!(
            "the chip refused chip authentication with every cipher tried ({})",
            refusals
                .iter()
                .map(|r| format!("{:?}: {}", r.cipher, r.sw))
                .collect::<Vec<_>>()
                .join(", ")
        )),
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
