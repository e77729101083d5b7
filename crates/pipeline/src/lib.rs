//! The card pipeline: from what the desk knows about a card (CAN, ID, MRZ or QR) to a verified
//! citizen record with its photo, reporting each stage as soon as it is done, so the reception
//! page shows the identity before the photo has arrived.
//!
//! Order of work (ICAO 9303-11 §4.2, §5, §6): open the chip (PACE or BAC), read DG1 and DG13
//! (identity, unverified), then EF.SOD, DG14 and DG15 and run chip authentication (else active
//! authentication), verify (passive authentication to a trusted CSCA, DG hashes, the chip's
//! proof), then read DG2 and check its hash before the photo is shown.
//!
//! The `cccd read` command and the daemon both use this crate; it does no I/O but through the
//! transaction it is given.

use apdu::{CardTransaction, TransportError};
use citizen::{CccdQr, CitizenRecord, IdNumber, can_from_id, mrz_keys_from_qr};
use icao9303::lds::{DataGroup2, DataGroup14, DataGroup15};
use icao9303::read::{LdsFile, ReadOptions};
use icao9303::{
    AccessKey, AccessProtocol, ActiveAuthOutcome, ChipAuthOutcome, Mrz, ReadEvent, Step,
    read_document_observed,
};
use rand_core::{OsRng, TryRngCore};
use trust::algorithms::{EcdsaSignatureEncoding, HashAlgorithm, SignatureAlgorithm};
use trust::{
    ActiveAuthenticationKey, CardVerification, ChipProof, CscaStore, DataGroupHash, SodVerification,
};

/// What the desk knows about the card.
#[derive(Debug, Clone)]
pub enum AccessInput {
    /// The 6-digit card access number.
    Can(String),
    /// The 12-digit ID number (its last 6 digits are the CAN).
    IdNumber(String),
    /// The MRZ lines.
    Mrz(String),
    /// The QR code's text.
    Qr(String),
}

/// Why a card could not be read. `Display` is a sentence for the user; [`PipelineError::kind`]
/// a stable code for programs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The access data given is not valid (bad CAN, ID, MRZ or QR).
    #[error("{0}")]
    BadAccessData(String),
    /// The chip refused the access key, or needs another kind of key.
    #[error(transparent)]
    Chip(#[from] icao9303::Error),
}

impl PipelineError {
    /// A stable code: `card-removed`, `wrong-access-key`, `no-pace-for-can`, `bad-access-data`,
    /// `reader-error`, `card-error`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::BadAccessData(_) => "bad-access-data",
            Self::Chip(icao9303::Error::WrongAccessKey) => "wrong-access-key",
            Self::Chip(icao9303::Error::NoPaceForCan) => "no-pace-for-can",
            Self::Chip(icao9303::Error::Transport(
                TransportError::CardRemoved | TransportError::NoCard,
            )) => "card-removed",
            Self::Chip(icao9303::Error::Transport(_)) => "reader-error",
            Self::Chip(_) => "card-error",
        }
    }
}

/// The keys to try, in order: a CAN (PACE), then derived MRZ keys where the input allows.
pub fn access_keys(
    input: &AccessInput,
    _today: jiff::civil::Date,
) -> Result<Vec<AccessKey>, PipelineError> {
    let bad = |e: &dyn std::fmt::Display| PipelineError::BadAccessData(e.to_string());
    Ok(match input {
        AccessInput::Can(c) => vec![AccessKey::Can(icao9303::Can::new(c).map_err(|e| bad(&e))?)],
        AccessInput::IdNumber(id) => {
            let id = IdNumber::new(id).map_err(|e| bad(&e))?;
            vec![AccessKey::Can(can_from_id(&id).map_err(|e| bad(&e))?)]
        }
        AccessInput::Mrz(m) => vec![AccessKey::Mrz(
            Mrz::parse(m)
                .map_err(|e| bad(&e))?
                .info()
                .map_err(|e| bad(&e))?,
        )],
        AccessInput::Qr(q) => {
            // The QR gives the ID (so the CAN, for PACE) and the dates for BAC; the expiry is
            // derived from the identity laws, so there may be a few candidates.
            let qr = CccdQr::parse(q).map_err(|e| bad(&e))?;
            let mut keys = vec![AccessKey::Can(can_from_id(&qr.id).map_err(|e| bad(&e))?)];
            keys.extend(
                mrz_keys_from_qr(&qr)
                    .map_err(|e| bad(&e))?
                    .into_iter()
                    .map(AccessKey::Mrz),
            );
            keys
        }
    })
}

/// The photo as a browser shows it.
#[derive(Clone)]
pub struct Photo {
    /// `image/jpeg`.
    pub mime: &'static str,
    /// The image.
    pub bytes: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// DG2's hash matched EF.SOD's (false: not checked or mismatch; the verdict says which).
    pub hash_verified: bool,
}

impl std::fmt::Debug for Photo {
    // The face is personal data: only its size is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Photo({} {}x{}, {} bytes)",
            self.mime,
            self.width,
            self.height,
            self.bytes.len()
        )
    }
}

/// A stage of the read, reported as soon as it is done.
#[derive(Debug)]
#[non_exhaustive]
pub enum Stage<'a> {
    /// Access control succeeded.
    Opened(AccessProtocol),
    /// DG1 and DG13 are read: the identity, not yet verified.
    Identity(&'a CitizenRecord),
    /// The verification of everything read so far (identity, security files, chip proof).
    Verified(&'a CardVerification),
    /// The photo, read and checked against the SOD.
    Photo(&'a Photo),
}

/// Everything a read produced.
#[derive(Debug, Clone)]
pub struct CardRead {
    /// The access protocol used.
    pub protocol: AccessProtocol,
    /// The files, in the order read.
    pub files: Vec<(LdsFile, Vec<u8>)>,
    /// Every step with its time and wire traffic.
    pub steps: Vec<Step>,
    /// Whether extended length worked.
    pub extended_length: Option<bool>,
    /// The citizen record (None when DG13 could not be read).
    pub citizen: Option<CitizenRecord>,
    /// The final verification, the photo's hash included.
    pub verification: Option<CardVerification>,
    /// The photo.
    pub photo: Option<Photo>,
}

impl CardRead {
    /// A file's bytes.
    pub fn file(&self, f: LdsFile) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(g, _)| *g == f)
            .map(|(_, d)| d.as_slice())
    }
}

/// The files of a full read, in the order that lets reception see the identity first.
pub const IDENTITY_FIRST: [LdsFile; 7] = [
    LdsFile::Dg(1),
    LdsFile::Dg(13),
    LdsFile::Com,
    LdsFile::Sod,
    LdsFile::Dg(14),
    LdsFile::Dg(15),
    LdsFile::Dg(2),
];

/// The files of a full read in [`IDENTITY_FIRST`] order, without the photo (DG2) unless
/// `photo`: what [`read_card`] reads, and what the benchmarks and wire counts measure.
pub fn files_of_a_read(photo: bool) -> Vec<LdsFile> {
    IDENTITY_FIRST
        .iter()
        .copied()
        .filter(|f| photo || *f != LdsFile::Dg(2))
        .collect()
}

/// Reads and verifies a card. `keys` are tried in order (a CAN is skipped when the chip offers
/// no PACE, a derived MRZ key when the chip refuses it). `store` holds the trusted CSCAs (None:
/// at best `unknown-issuer`).
pub fn read_card(
    tx: &mut impl CardTransaction,
    keys: &[AccessKey],
    want_photo: bool,
    options: ReadOptions,
    store: Option<&CscaStore>,
    on: &mut dyn FnMut(Stage<'_>),
) -> Result<CardRead, PipelineError> {
    let files = files_of_a_read(want_photo);
    read_files(tx, keys, &files, options, store, on)
}

/// [`read_card`] for an explicit list of files (read in the order given).
pub fn read_files(
    tx: &mut impl CardTransaction,
    keys: &[AccessKey],
    files: &[LdsFile],
    options: ReadOptions,
    store: Option<&CscaStore>,
    on: &mut dyn FnMut(Stage<'_>),
) -> Result<CardRead, PipelineError> {
    let mut rng = OsRng.unwrap_err();
    let mut last = None;
    for (i, key) in keys.iter().enumerate() {
        let mut stages = Stages::new(files, store);
        let result =
            read_document_observed(&mut *tx, key, files, options, true, &mut rng, &mut |ev| {
                stages.observe(ev, on)
            });
        match result {
            Ok(r) => {
                let verification = stages.final_verification();
                let photo = stages.photo.take();
                return Ok(CardRead {
                    protocol: r.read.protocol,
                    files: r.read.files,
                    steps: r.read.steps,
                    extended_length: r.read.extended_length,
                    citizen: stages.citizen.take(),
                    verification,
                    photo,
                });
            }
            Err(e @ (icao9303::Error::NoPaceForCan | icao9303::Error::WrongAccessKey))
                if i + 1 < keys.len() =>
            {
                tracing::info!(error = %e, "trying the next access key");
                last = Some(e);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(last.map_or_else(
        || PipelineError::BadAccessData("no access key given".into()),
        PipelineError::from,
    ))
}

/// The state built up while files arrive.
struct Stages<'s> {
    wanted: Vec<LdsFile>,
    store: Option<&'s CscaStore>,
    files: Vec<(LdsFile, Vec<u8>)>,
    proof: Option<icao9303::ChipProof>,
    citizen: Option<CitizenRecord>,
    identity_sent: bool,
    verified_sent: bool,
    photo: Option<Photo>,
    /// EF.SOD's signature and chain, verified once, at the first verdict (so that `cccd bench`
    /// still counts it as verification); the final verdict and the photo's hash check reuse it.
    sod: std::cell::OnceCell<SodVerification>,
}

impl<'s> Stages<'s> {
    fn new(files: &[LdsFile], store: Option<&'s CscaStore>) -> Self {
        Self {
            wanted: files.to_vec(),
            store,
            files: Vec::new(),
            proof: None,
            citizen: None,
            identity_sent: false,
            verified_sent: false,
            photo: None,
            sod: std::cell::OnceCell::new(),
        }
    }

    fn get(&self, f: LdsFile) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(g, _)| *g == f)
            .map(|(_, d)| d.as_slice())
    }

    fn has_all(&self, fs: &[LdsFile]) -> bool {
        fs.iter()
            .all(|f| !self.wanted.contains(f) || self.get(*f).is_some())
    }

    fn observe(&mut self, ev: ReadEvent<'_>, on: &mut dyn FnMut(Stage<'_>)) {
        match ev {
            ReadEvent::Opened(p) => on(Stage::Opened(p)),
            ReadEvent::File(f, data) => self.files.push((f, data.to_vec())),
            ReadEvent::Authenticated(proof) => self.proof = Some(proof.clone()),
            _ => {}
        }
        if !self.identity_sent
            && self.get(LdsFile::Dg(13)).is_some()
            && self.has_all(&[LdsFile::Dg(1)])
        {
            self.identity_sent = true;
            match CitizenRecord::from_files(
                self.get(LdsFile::Dg(13)).unwrap_or_default(),
                self.get(LdsFile::Dg(1)),
            ) {
                Ok(record) => {
                    on(Stage::Identity(&record));
                    self.citizen = Some(record);
                }
                Err(e) => tracing::warn!(error = %e, "DG13 could not be parsed"),
            }
        }
        let security = [LdsFile::Sod, LdsFile::Dg(14), LdsFile::Dg(15)];
        let proof_done = self.proof.is_some()
            || !(self.wanted.contains(&LdsFile::Dg(14)) || self.wanted.contains(&LdsFile::Dg(15)));
        if !self.verified_sent
            && self.get(LdsFile::Sod).is_some()
            && self.has_all(&security)
            && proof_done
        {
            self.verified_sent = true;
            if let Some(v) = self.verify(false) {
                on(Stage::Verified(&v));
            }
        }
        if self.photo.is_none()
            && let Some(dg2) = self.get(LdsFile::Dg(2))
        {
            match photo_of(dg2) {
                Ok(mut p) => {
                    p.hash_verified = self
                        .sod_verification()
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
    fn sod_verification(&self) -> Option<&SodVerification> {
        let bytes = self.get(LdsFile::Sod)?;
        Some(
            self.sod
                .get_or_init(|| SodVerification::new(bytes, self.store, None, None)),
        )
    }

    fn verify(&self, with_photo: bool) -> Option<CardVerification> {
        let sod = self.sod_verification()?;
        let dgs: Vec<(u8, &[u8])> = self
            .files
            .iter()
            .filter_map(|(f, d)| {
                f.dg_number()
                    .filter(|n| with_photo || *n != 2)
                    .map(|n| (n, d.as_slice()))
            })
            .collect();
        let proof = chip_proof(self.proof.as_ref());
        let dg15 = self.get(LdsFile::Dg(15)).map(DataGroup15::parse);
        let aa = dg15.as_ref().map(|d| ActiveAuthenticationKey {
            spki: d.as_ref().ok().map(|d| d.spki.as_slice()),
            algorithm: self.get(LdsFile::Dg(14)).and_then(aa_algorithm),
        });
        Some(sod.judge(&dgs, &proof, aa))
    }

    fn final_verification(&self) -> Option<CardVerification> {
        self.verify(true)
    }
}

/// The face image of DG2 as a browser shows it (JPEG 2000 converted).
fn photo_of(dg2: &[u8]) -> Result<Photo, String> {
    let parsed = DataGroup2::parse(dg2).map_err(|e| e.to_string())?;
    let face = parsed.first_face().ok_or("DG2 holds no face image")?;
    let img = photo::face_browser_image(face).map_err(|e| e.to_string())?;
    Ok(Photo {
        mime: img.mime,
        width: img.width,
        height: img.height,
        bytes: img.bytes.into_owned(),
        hash_verified: false,
    })
}

/// What the chip proved, in the trust crate's terms.
fn chip_proof(p: Option<&icao9303::ChipProof>) -> ChipProof {
    let Some(p) = p else {
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
    use icao9303::aa::AaHash;
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
