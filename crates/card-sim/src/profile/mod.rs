//! Card profiles: the people and quirks the virtual card can be, as data files.
//!
//! A profile gives either a citizen (`[citizen]`: the fields printed on the card and held in
//! DG13, from which every file is built and signed by the test PKI) or the raw files of a real
//! card (`[dump]`: a folder of `EF_*.bin` plus its CAN and/or MRZ), so a dump of any card replays
//! through pcscd.
//!
//! The rooms: the file format and its loading (here), the builders of the LDS files a citizen's
//! card holds (`lds`), and the options and faults a virtual CCCD is built with (`options`).

mod lds;
mod options;
#[cfg(test)]
mod tests;

pub use lds::{CCCD_CARD_ACCESS, EMRTD_AID, RelativesShape};
pub use options::{
    ActiveAuthentication, CaCipher, CccdOptions, ChipProfile, Fault, default_card, default_cccd,
};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use icao9303::{Mrz, MrzInfo};
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use crate::cccd::AccessMode;
use crate::der::tlv;
use crate::pki::{self, Dg14Contents, TestPki};
use lds::{
    CCCD_DATA_GROUPS, card_access, dg13, ef_com, filler, mrz_date, mrz_name, no_expiry, td1_mrz,
    tlv2,
};

/// The default profile, compiled in.
pub const DEFAULT_PROFILE: &str = include_str!("../../profiles/default.toml");

/// What is printed on a card and keys its chip.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardIdentity {
    /// The 12-digit personal ID number.
    pub id_number: Option<String>,
    /// The CAN (for a CCCD the last 6 digits of the ID).
    pub can: Option<String>,
    /// The MRZ lines.
    pub mrz: Option<Vec<String>>,
    /// The QR code's text.
    pub qr: Option<String>,
}

impl CardIdentity {
    /// The MRZ information that keys BAC and PACE with the MRZ.
    pub fn mrz_info(&self) -> Option<MrzInfo> {
        Mrz::parse(&self.mrz.as_ref()?.join("\n")).ok()?.info().ok()
    }

    /// The default card's holder.
    pub fn default_holder() -> Self {
        Profile::default_profile()
            .map(|p| p.identity)
            .unwrap_or_default()
    }
}

/// Why a profile cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The file cannot be read.
    #[error("cannot read profile {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is not a profile.
    #[error("profile {path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// `[citizen]`: the fields of DG13 as printed on the card.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CitizenProfile {
    pub id_number: String,
    pub full_name: String,
    pub date_of_birth: String,
    pub sex: String,
    pub nationality: String,
    pub ethnicity: String,
    pub religion: String,
    pub place_of_origin: String,
    pub place_of_residence: String,
    pub identifying_marks: String,
    pub date_of_issue: String,
    pub date_of_expiry: String,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub spouse_name: Option<String>,
    /// The elements after the father's name in his value of field 13 (2024 cards: his ID
    /// number, old ID number, nationality); `[chip] relatives = "per-person"` only.
    #[serde(default)]
    pub father_details: Vec<String>,
    /// The same for the mother.
    #[serde(default)]
    pub mother_details: Vec<String>,
    /// The same for the spouse, in field 14.
    #[serde(default)]
    pub spouse_details: Vec<String>,
    pub old_id_number: Option<String>,
    /// The QR code's text, when it is not the 2021 form made from the fields (the 2024 card's
    /// QR, on its back, has its own order and more fields).
    pub qr: Option<String>,
    /// Store plain-ASCII values as PrintableString (seen on some cards) instead of UTF8String.
    #[serde(default)]
    pub printable_strings: bool,
    /// Field numbers DG13 carries beyond the known ones, with their text.
    #[serde(default)]
    pub extra_fields: BTreeMap<u32, String>,
}

/// `[dump]`: the raw files of a card.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DumpProfile {
    /// Folder of `EF_COM.bin`, `EF_SOD.bin`, `EF_DG1.bin`...; relative to the profile file.
    pub dir: PathBuf,
    /// The CAN, for PACE.
    pub can: Option<String>,
    /// The MRZ lines, for BAC (and PACE with the MRZ).
    pub mrz: Option<Vec<String>>,
    /// EF.CardAccess is in the folder (`EF_CardAccess.bin`) or, if absent, the CCCD's.
    #[serde(default)]
    pub access: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    citizen: Option<CitizenProfile>,
    chip: Option<ChipProfile>,
    dump: Option<DumpProfile>,
}

/// A loaded profile: the chip's files and the data that keys them.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Keys and printed data.
    pub identity: CardIdentity,
    /// The citizen, when the profile describes one.
    pub citizen: Option<CitizenProfile>,
    /// EF.CardAccess (None: the chip has none; without PACE in `access` too, BAC only).
    pub card_access: Option<Vec<u8>>,
    /// EF.CardAccess can be read by its short file identifier (otherwise only after SELECT).
    pub card_access_sfi: bool,
    /// The eMRTD application's files: (file identifier, short file identifier, contents), as
    /// EF.COM and EF.SOD list them.
    pub files: Vec<(u16, u8, Vec<u8>)>,
    /// Files of `files` the chip does not have after all (it answers 6A82).
    pub unreadable: Vec<u16>,
    /// Access protocols offered.
    pub access: AccessMode,
    /// The seed of the chip's private keys for chip authentication (DG14) and active
    /// authentication (DG15).
    pub chip_key_seed: Option<String>,
    /// The cipher of the chip authentication the chip runs (None: it has none).
    pub chip_authentication: Option<icao9303::Cipher>,
    /// The chip's active authentication (None: it has none).
    pub active_authentication: Option<ActiveAuthentication>,
    /// When EF.SOD was signed (`YYMMDDhhmmss`), to sign it again for a fault.
    pub signing_time: Option<String>,
}

fn access_mode(s: &str, path: &str) -> Result<AccessMode, ProfileError> {
    match s {
        "pace" => Ok(AccessMode::Pace),
        "bac" => Ok(AccessMode::Bac),
        "both" => Ok(AccessMode::Both),
        other => Err(ProfileError::Invalid {
            path: path.into(),
            message: format!("access must be pace, bac or both, not \"{other}\""),
        }),
    }
}

impl Profile {
    /// The compiled-in default profile.
    pub fn default_profile() -> Result<Self, ProfileError> {
        Self::parse(DEFAULT_PROFILE, Path::new("<default profile>"))
    }

    /// Loads a profile file.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses a profile; `path` locates a dump folder given relatively.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ProfileError> {
        let shown = path.display().to_string();
        let invalid = |message: String| ProfileError::Invalid {
            path: shown.clone(),
            message,
        };
        let file: ProfileFile =
            toml::from_str(text).map_err(|e| invalid(e.message().to_owned()))?;
        let chip = file.chip.unwrap_or_default();
        match (file.citizen, file.dump) {
            (Some(c), None) => Self::from_citizen(c, &chip, &shown),
            (None, Some(d)) => {
                let only_sfi = ChipProfile {
                    card_access_sfi: true,
                    ..chip.clone()
                };
                if only_sfi != ChipProfile::default() {
                    return Err(invalid(
                        "of [chip], only card_access_sfi applies to a [dump] profile (it replays \
                         its files; its access protocols are [dump]'s access)"
                            .into(),
                    ));
                }
                let mut p = Self::from_dump(d, path.parent().unwrap_or(Path::new(".")), &shown)?;
                p.card_access_sfi = chip.card_access_sfi;
                Ok(p)
            }
            _ => Err(invalid("give exactly one of [citizen] and [dump]".into())),
        }
    }

    fn from_citizen(
        c: CitizenProfile,
        chip: &ChipProfile,
        path: &str,
    ) -> Result<Self, ProfileError> {
        let invalid = |message: String| ProfileError::Invalid {
            path: path.into(),
            message,
        };
        chip.check(&c).map_err(invalid)?;
        if c.id_number.len() != 12 || !c.id_number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("id_number must be 12 digits".into()));
        }
        let dob = mrz_date(&c.date_of_birth).ok_or_else(|| {
            invalid(format!(
                "date_of_birth \"{}\" is not dd/mm/yyyy",
                c.date_of_birth
            ))
        })?;
        let expiry = if no_expiry(&c.date_of_expiry) {
            "991231".to_owned()
        } else {
            mrz_date(&c.date_of_expiry).ok_or_else(|| {
                invalid("date_of_expiry is not dd/mm/yyyy or \"Không thời hạn\"".into())
            })?
        };
        let sex = match c.sex.nfc().collect::<String>().to_lowercase().as_str() {
            "nam" => 'M',
            "nữ" => 'F',
            _ => '<',
        };
        let mrz = td1_mrz(&c.id_number, &dob, sex, &expiry, &mrz_name(&c.full_name));
        let qr = c.qr.clone().unwrap_or_else(|| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}",
                c.id_number,
                c.old_id_number.as_deref().unwrap_or(""),
                c.full_name,
                c.date_of_birth.replace('/', ""),
                c.sex,
                c.place_of_residence,
                c.date_of_issue.replace('/', "")
            )
        });
        let identity = CardIdentity {
            id_number: Some(c.id_number.clone()),
            can: Some(c.id_number[6..].to_owned()),
            mrz: Some(mrz.to_vec()),
            qr: Some(qr),
        };
        let issued = mrz_date(&c.date_of_issue)
            .ok_or_else(|| invalid("date_of_issue is not dd/mm/yyyy".into()))?;
        let key_seed = format!("cccd-bridge chip key {}", c.id_number);
        let chip_key = pki::chip_key(&key_seed);
        let present: Vec<u8> = CCCD_DATA_GROUPS
            .into_iter()
            .filter(|n| !chip.absent.contains(n))
            .collect();
        let has = |n: u8| present.contains(&n);
        let ca_cipher = has(14).then(|| chip.chip_authentication.cipher());
        let aa = has(15).then_some(chip.active_authentication);
        let mut dgs: Vec<(u8, Vec<u8>)> =
            vec![(1, tlv(0x61, &tlv2(0x5F1F, mrz.concat().as_bytes())))];
        if has(2) {
            let jpeg = crate::face::portrait_jpeg(chip.photo_seed);
            dgs.push((2, crate::face::dg2(&jpeg, sex != 'F')));
        }
        if has(3) {
            dgs.push((3, filler(0x63, 1200)));
        }
        if has(13) {
            dgs.push((13, dg13(&c, chip.relatives)));
        }
        if has(14) {
            let contents = Dg14Contents {
                ca_info: chip
                    .dg14_cipher_info
                    .then(|| chip.chip_authentication.cipher()),
                aa_ecdsa_info: aa == Some(ActiveAuthentication::Ecdsa),
            };
            dgs.push((14, pki::dg14_with(&chip_key, contents)));
        }
        match aa {
            Some(ActiveAuthentication::Rsa) => {
                let key = crate::rsa_key::rsa_aa_key(&key_seed);
                dgs.push((15, pki::dg15_rsa(key.as_ref())));
            }
            Some(ActiveAuthentication::Ecdsa) => dgs.push((15, pki::dg15(&chip_key))),
            None => {}
        }
        let refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, d)| (*n, d.as_slice())).collect();
        let sod = TestPki::new().sign_sod(
            &refs,
            pki::Signer2::TestDs,
            pki::LDS_SECURITY_OBJECT,
            &format!("{issued}000000"),
        );
        let access = access_mode(&chip.access, path)?;
        // The published EF.CardAccess names CA with AES-128; a chip with another (or no) chip
        // authentication announces what its DG14 does.
        let card_access = if ca_cipher == Some(icao9303::Cipher::Aes128) && chip.dg14_cipher_info {
            CCCD_CARD_ACCESS.to_vec()
        } else {
            card_access(ca_cipher.filter(|_| chip.dg14_cipher_info))
        };
        let mut files = vec![(0x011E, 0x1E, ef_com(&present)), (0x011D, 0x1D, sod)];
        files.extend(dgs.into_iter().map(|(n, d)| (0x0100 | u16::from(n), n, d)));
        Ok(Self {
            identity,
            citizen: Some(c),
            card_access: chip.card_access_file.then_some(card_access),
            card_access_sfi: chip.card_access_sfi,
            files,
            unreadable: chip
                .listed_but_absent
                .iter()
                .map(|n| 0x0100 | u16::from(*n))
                .collect(),
            access,
            chip_key_seed: Some(key_seed),
            chip_authentication: ca_cipher,
            active_authentication: aa,
            signing_time: Some(format!("{issued}000000")),
        })
    }

    fn from_dump(d: DumpProfile, base: &Path, path: &str) -> Result<Self, ProfileError> {
        let dir = if d.dir.is_absolute() {
            d.dir.clone()
        } else {
            base.join(&d.dir)
        };
        let mut files = Vec::new();
        for (fid, sfi, name) in [
            (0x011Eu16, 0x1Eu8, "EF_COM.bin".to_owned()),
            (0x011D, 0x1D, "EF_SOD.bin".to_owned()),
        ]
        .into_iter()
        .chain((1..=16u8).map(|n| (0x0100 | u16::from(n), n, format!("EF_DG{n}.bin"))))
        {
            let p = dir.join(&name);
            if p.is_file() {
                let bytes = std::fs::read(&p).map_err(|source| ProfileError::Io {
                    path: p.clone(),
                    source,
                })?;
                files.push((fid, sfi, bytes));
            }
        }
        if files.is_empty() {
            return Err(ProfileError::Invalid {
                path: path.into(),
                message: format!("no EF_*.bin files in {}", dir.display()),
            });
        }
        let card_access = match std::fs::read(dir.join("EF_CardAccess.bin")) {
            Ok(b) => Some(b),
            Err(_) => d.can.is_some().then(|| CCCD_CARD_ACCESS.to_vec()),
        };
        let access = access_mode(
            d.access
                .as_deref()
                .unwrap_or(if card_access.is_some() { "both" } else { "bac" }),
            path,
        )?;
        let identity = CardIdentity {
            id_number: None,
            can: d.can,
            mrz: d.mrz,
            qr: None,
        };
        Ok(Self {
            identity,
            citizen: None,
            card_access,
            card_access_sfi: true,
            files,
            unreadable: Vec::new(),
            access,
            chip_key_seed: None,
            chip_authentication: None,
            active_authentication: None,
            signing_time: None,
        })
    }
}
