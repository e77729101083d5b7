//! Card profiles: the people and quirks the virtual card can be, as data files.
//!
//! A profile gives either a citizen (`[citizen]`: the fields printed on the card and held in
//! DG13, from which every file is built and signed by the test PKI) or the raw files of a real
//! card (`[dump]`: a folder of `EF_*.bin` plus its CAN and/or MRZ), so a dump of any card replays
//! through pcscd.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use icao9303::{Mrz, MrzInfo};
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use crate::card::{Application, CardOptions, ElementaryFile, FileAccess, Iso7816Card};
use crate::cccd::{AccessMode, ChipKeys, VirtualCccd};
use crate::der::{int, oid, printable, seq, tlv, utf8};
use crate::pki::{self, TestPki};

/// The eMRTD application identifier (ICAO 9303-10 §3.1.1).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// EF.CardAccess as CCCDs publish it (see `shared/domain/cccd-chip.md`): TA v1, CA
/// `id-CA-ECDH-AES-CBC-CMAC-128` v1, PACE `id-PACE-ECDH-GM-AES-CBC-CMAC-128` v2 with
/// standardized domain parameters 13 (brainpoolP256r1).
pub const CCCD_CARD_ACCESS: [u8; 54] = [
    0x31, 0x34, 0x30, 0x0d, 0x06, 0x08, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x01,
    0x01, 0x30, 0x0f, 0x06, 0x0a, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x02, 0x02,
    0x01, 0x01, 0x30, 0x12, 0x06, 0x0a, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02,
    0x02, 0x01, 0x02, 0x02, 0x01, 0x0d,
];

/// The default profile, compiled in.
pub const DEFAULT_PROFILE: &str = include_str!("../profiles/default.toml");

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
    pub old_id_number: Option<String>,
    /// Store plain-ASCII values as PrintableString (seen on some cards) instead of UTF8String.
    #[serde(default)]
    pub printable_strings: bool,
    /// Field numbers DG13 carries beyond the known ones, with their text.
    #[serde(default)]
    pub extra_fields: BTreeMap<u32, String>,
}

/// `[chip]`: how the chip behaves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChipProfile {
    /// `pace`, `bac` or `both`.
    pub access: String,
    /// Seed of the synthetic portrait.
    pub photo_seed: u64,
}

impl Default for ChipProfile {
    fn default() -> Self {
        Self {
            access: "both".into(),
            photo_seed: 1,
        }
    }
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
    #[serde(default)]
    chip: ChipProfile,
    dump: Option<DumpProfile>,
}

/// A loaded profile: the chip's files and the data that keys them.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Keys and printed data.
    pub identity: CardIdentity,
    /// The citizen, when the profile describes one.
    pub citizen: Option<CitizenProfile>,
    /// EF.CardAccess (None: the chip has none, BAC only).
    pub card_access: Option<Vec<u8>>,
    /// The eMRTD application's files: (file identifier, short file identifier, contents).
    pub files: Vec<(u16, u8, Vec<u8>)>,
    /// Access protocols offered.
    pub access: AccessMode,
    /// The chip's private key for chip authentication (DG14) and active authentication (DG15).
    pub chip_key_seed: Option<String>,
    /// When EF.SOD was signed (`YYMMDDhhmmss`), to sign it again for a fault.
    pub signing_time: Option<String>,
}

/// A fault the virtual card can carry, each meant to produce one verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// DG13 altered after signing: its hash no longer matches (forged).
    TamperDg13,
    /// One bit of the SOD's signature flipped (forged).
    BadSodSignature,
    /// Signed by a document signer whose certificate has expired since (genuine, with a warning).
    ExpiredDs,
    /// The chip answers chip and active authentication with a key that is not DG14's/DG15's
    /// (clone suspected).
    Clone,
    /// Signed under a CSCA nobody trusts (unknown issuer).
    UnknownCsca,
}

impl Fault {
    /// Parses `tamper-dg13`, `bad-sod-signature`, `expired-ds`, `clone`, `unknown-csca`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "tamper-dg13" => Self::TamperDg13,
            "bad-sod-signature" => Self::BadSodSignature,
            "expired-ds" => Self::ExpiredDs,
            "clone" => Self::Clone,
            "unknown-csca" => Self::UnknownCsca,
            _ => return None,
        })
    }
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
        match (file.citizen, file.dump) {
            (Some(c), None) => Self::from_citizen(c, &file.chip, &shown),
            (None, Some(d)) => Self::from_dump(d, path.parent().unwrap_or(Path::new(".")), &shown),
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
        let qr = format!(
            "{}|{}|{}|{}|{}|{}|{}",
            c.id_number,
            c.old_id_number.as_deref().unwrap_or(""),
            c.full_name,
            c.date_of_birth.replace('/', ""),
            c.sex,
            c.place_of_residence,
            c.date_of_issue.replace('/', "")
        );
        let identity = CardIdentity {
            id_number: Some(c.id_number.clone()),
            can: Some(c.id_number[6..].to_owned()),
            mrz: Some(mrz.to_vec()),
            qr: Some(qr),
        };
        let key_seed = format!("cccd-bridge chip key {}", c.id_number);
        let chip_key = pki::chip_key(&key_seed);
        let dg1 = tlv(0x61, &tlv2(0x5F1F, mrz.concat().as_bytes()));
        let dg2 = crate::face::dg2(&crate::face::portrait_jpeg(chip.photo_seed), sex != 'F');
        let dg3 = filler(0x63, 1200);
        let dg13 = dg13(&c);
        let dg14 = pki::dg14(&chip_key);
        let dg15 = pki::dg15(&chip_key);
        let issued = mrz_date(&c.date_of_issue)
            .ok_or_else(|| invalid("date_of_issue is not dd/mm/yyyy".into()))?;
        let sod = TestPki::new().sign_sod(
            &[
                (1, &dg1),
                (2, &dg2),
                (3, &dg3),
                (13, &dg13),
                (14, &dg14),
                (15, &dg15),
            ],
            pki::Signer2::TestDs,
            pki::LDS_SECURITY_OBJECT,
            &format!("{issued}000000"),
        );
        let access = access_mode(&chip.access, path)?;
        Ok(Self {
            identity,
            citizen: Some(c),
            card_access: Some(CCCD_CARD_ACCESS.to_vec()),
            files: vec![
                (0x011E, 0x1E, ef_com()),
                (0x011D, 0x1D, sod),
                (0x0101, 0x01, dg1),
                (0x0102, 0x02, dg2),
                (0x0103, 0x03, dg3),
                (0x010D, 0x0D, dg13),
                (0x010E, 0x0E, dg14),
                (0x010F, 0x0F, dg15),
            ],
            access,
            chip_key_seed: Some(key_seed),
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
            files,
            access,
            chip_key_seed: None,
            signing_time: None,
        })
    }

    /// The virtual chip for this profile, with the quirks of `options` (its access mode, when
    /// set to something other than both, overrides the profile's).
    pub fn build(&self, options: &CccdOptions) -> VirtualCccd {
        let mf = self
            .card_access
            .iter()
            .map(|ca| ElementaryFile::free(0x011C, 0x1C, ca.clone()))
            .collect();
        let files = self.files_with_fault(options.fault);
        let files = files
            .iter()
            .map(|(fid, sfi, data)| ElementaryFile {
                fid: *fid,
                sfi: Some(*sfi),
                data: if *fid == 0x0102 {
                    resize_dg2(data, options.dg2_size)
                } else {
                    data.clone()
                },
                access: if *fid == 0x0103 {
                    FileAccess::TerminalAuthentication
                } else {
                    FileAccess::SecureMessaging
                },
            })
            .collect();
        let mut fs = Iso7816Card::new(
            CardOptions::default(),
            mf,
            vec![Application {
                aid: EMRTD_AID.to_vec(),
                files,
            }],
        );
        fs.options_mut().max_read = options.max_read;
        fs.options_mut().exact_le = options.exact_le;
        let access = if options.access == AccessMode::Both {
            self.access
        } else {
            options.access
        };
        let card = VirtualCccd::new(fs, self.identity.clone(), access, options.extended);
        match &self.chip_key_seed {
            Some(seed) => {
                // A clone has the genuine card's files but not its private key.
                let seed = if options.fault == Some(Fault::Clone) {
                    format!("{seed} (clone)")
                } else {
                    seed.clone()
                };
                let key = pki::chip_key(&seed).to_bytes().to_vec();
                card.with_chip_keys(ChipKeys {
                    private_key: zeroize::Zeroizing::new(key),
                })
            }
            None => card,
        }
    }

    /// The application's files, changed as `fault` says.
    fn files_with_fault(&self, fault: Option<Fault>) -> Vec<(u16, u8, Vec<u8>)> {
        let mut files = self.files.clone();
        let signer = match fault {
            Some(Fault::ExpiredDs) => Some(pki::Signer2::ExpiredDs),
            Some(Fault::UnknownCsca) => Some(pki::Signer2::UnknownCsca),
            _ => None,
        };
        if let (Some(signer), Some(time)) = (signer, &self.signing_time) {
            let dgs: Vec<(u8, Vec<u8>)> = files
                .iter()
                .filter(|(fid, _, _)| (0x0101..=0x0110).contains(fid))
                .map(|(fid, _, d)| ((fid & 0xFF) as u8, d.clone()))
                .collect();
            let refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, d)| (*n, d.as_slice())).collect();
            let sod = TestPki::new().sign_sod(&refs, signer, pki::LDS_SECURITY_OBJECT, time);
            set(&mut files, 0x011D, sod);
        }
        match fault {
            Some(Fault::BadSodSignature) => {
                if let Some((_, _, sod)) = files.iter_mut().find(|f| f.0 == 0x011D) {
                    // The SignerInfo comes last and its signature is its last field.
                    let n = sod.len();
                    if n > 4 {
                        sod[n - 4] ^= 0x01;
                    }
                }
            }
            Some(Fault::TamperDg13) => {
                if let Some((_, _, dg13)) = files.iter_mut().find(|f| f.0 == 0x010D) {
                    // Change one digit of a text field, keeping the file well formed.
                    if let Some(i) = dg13.iter().skip(24).position(u8::is_ascii_digit) {
                        let i = i + 24;
                        dg13[i] = if dg13[i] == b'9' { b'0' } else { dg13[i] + 1 };
                    }
                }
            }
            _ => {}
        }
        files
    }
}

fn set(files: &mut [(u16, u8, Vec<u8>)], fid: u16, data: Vec<u8>) {
    if let Some(f) = files.iter_mut().find(|f| f.0 == fid) {
        f.2 = data;
    }
}

/// `--dg2-size` other than the profile's own photo: a filler DG2 of that size (to exercise long
/// reads), since a real photo has the size it has.
fn resize_dg2(data: &[u8], wanted: Option<usize>) -> Vec<u8> {
    match wanted {
        Some(n) if n != data.len() => filler(0x75, n.clamp(16, 65_000)),
        _ => data.to_vec(),
    }
}

fn no_expiry(s: &str) -> bool {
    let folded: String = s
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36F}').contains(c))
        .collect::<String>()
        .to_lowercase();
    folded.trim() == "khong thoi han"
}

/// `dd/mm/yyyy` (00 for unknown parts) as the MRZ's `YYMMDD` with `<` for unknown parts.
fn mrz_date(s: &str) -> Option<String> {
    let p: Vec<&str> = s.trim().split('/').collect();
    let [d, m, y] = p.as_slice() else { return None };
    if d.len() != 2
        || m.len() != 2
        || y.len() != 4
        || !(d.bytes().chain(m.bytes()).chain(y.bytes())).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let part = |v: &str| {
        if v == "00" {
            "<<".to_owned()
        } else {
            v.to_owned()
        }
    };
    Some(format!("{}{}{}", &y[2..], part(m), part(d)))
}

/// The MRZ name field of a Vietnamese name: diacritics dropped, family name first, then the
/// given names (ICAO 9303-3 §4.6).
fn mrz_name(full: &str) -> String {
    let ascii: String = full
        .replace(['Đ', 'đ'], "D")
        .nfd()
        .filter(|c| c.is_ascii())
        .collect::<String>()
        .to_uppercase();
    let words: Vec<&str> = ascii.split_whitespace().collect();
    match words.split_first() {
        Some((family, given)) => format!("{family}<<{}", given.join("<")),
        None => String::new(),
    }
}

/// The TD1 MRZ of a CCCD: `IDVNM` + document number (the last 9 digits of the ID) + check digit
/// + the full 12-digit ID + `<<` + its check digit; line 2 standard TD1; line 3 the name.
fn td1_mrz(id: &str, dob: &str, sex: char, expiry: &str, name: &str) -> [String; 3] {
    use icao9303::keys::check_digit;
    let doc = &id[3..];
    let cd = |s: &str| check_digit(s).map_or('<', |d| (b'0' + d) as char);
    let line1 = format!("IDVNM{doc}{}{id}<<{}", cd(doc), cd(id));
    let mut line2 = format!("{dob}{}{sex}{expiry}{}VNM", cd(dob), cd(expiry));
    line2.push_str(&"<".repeat(29usize.saturating_sub(line2.len())));
    let composite = format!(
        "{}{}{}{}",
        &line1[5..30],
        &line2[0..7],
        &line2[8..15],
        &line2[18..29]
    );
    line2.push(cd(&composite));
    let mut line3: String = name.chars().take(30).collect();
    line3.push_str(&"<".repeat(30 - line3.len()));
    [line1, line2, line3]
}

/// DG13 (the Vietnam-specific data group): `6D { SEQUENCE { INTEGER 1, OID 1.0.10646.1.0.8,
/// SET { SEQUENCE { INTEGER n, value } ... } } }`, per `shared/domain/cccd-chip.md`.
fn dg13(c: &CitizenProfile) -> Vec<u8> {
    let text = |s: &str| {
        if c.printable_strings
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
        {
            printable(s)
        } else {
            utf8(s)
        }
    };
    let mut fields: Vec<(u32, Vec<u8>)> = vec![
        (1, printable(&c.id_number)),
        (2, utf8(&c.full_name)),
        (3, text(&c.date_of_birth)),
        (4, utf8(&c.sex)),
        (5, utf8(&c.nationality)),
        (6, text(&c.ethnicity)),
        (7, utf8(&c.religion)),
        (8, utf8(&c.place_of_origin)),
        (9, utf8(&c.place_of_residence)),
        (10, utf8(&c.identifying_marks)),
        (11, text(&c.date_of_issue)),
        (12, utf8(&c.date_of_expiry)),
    ];
    if c.father_name.is_some() || c.mother_name.is_some() {
        fields.push((
            13,
            seq(&[
                &utf8(c.father_name.as_deref().unwrap_or("")),
                &utf8(c.mother_name.as_deref().unwrap_or("")),
            ]),
        ));
    }
    if let Some(s) = &c.spouse_name {
        fields.push((14, seq(&[&utf8(s)])));
    }
    if let Some(o) = &c.old_id_number {
        fields.push((15, printable(o)));
    }
    for (n, v) in &c.extra_fields {
        fields.push((*n, text(v)));
    }
    let entries: Vec<u8> = fields
        .iter()
        .flat_map(|(n, v)| seq(&[&int(u64::from(*n)), v]))
        .collect();
    tlv(
        0x6D,
        &seq(&[&int(1), &oid("1.0.10646.1.0.8"), &tlv(0x31, &entries)]),
    )
}

/// EF.COM (ICAO 9303-10 §4.6.1) of a CCCD: LDS 1.7, Unicode 4.0.0, data groups 1, 2, 3, 13,
/// 14 and 15.
fn ef_com() -> Vec<u8> {
    let mut inner = vec![
        0x5F, 0x01, 0x04, b'0', b'1', b'0', b'7', 0x5F, 0x36, 0x06, b'0', b'4', b'0', b'0', b'0',
        b'0',
    ];
    let tags = [0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F];
    inner.extend_from_slice(&[0x5C, tags.len() as u8]);
    inner.extend_from_slice(&tags);
    tlv(0x60, &inner)
}

fn tlv2(tag: u16, value: &[u8]) -> Vec<u8> {
    crate::der::tlv2(tag, value)
}

/// A data group of `total` bytes whose content is deterministic filler (DG3, which nobody may
/// read, and oversized photos for `--dg2-size`). A size no TLV can have exactly (130: a
/// 128-byte value needs a 3-byte header) gets one byte less.
fn filler(tag: u8, total: usize) -> Vec<u8> {
    let content_len = (2..=4)
        .map(|h| total.saturating_sub(h))
        .find(|c| 1 + crate::der::length(*c).len() + c == total)
        .unwrap_or(total.saturating_sub(3).min(0x7F));
    let content: Vec<u8> = (0..content_len)
        .map(|i| (i.wrapping_mul(7919) % 251) as u8)
        .collect();
    tlv(tag, &content)
}

/// How to build the virtual CCCD.
#[derive(Debug, Clone)]
pub struct CccdOptions {
    /// Access protocols offered (`Both`: as the profile says).
    pub access: AccessMode,
    /// Accept extended-length APDUs.
    pub extended: bool,
    /// Answer 6700 to a READ BINARY asking for more.
    pub max_read: Option<usize>,
    /// Answer 6Cxx to any other Le than the exact length.
    pub exact_le: bool,
    /// Replace the photo by a DG2 of this size.
    pub dg2_size: Option<usize>,
    /// A fault to carry.
    pub fault: Option<Fault>,
}

impl Default for CccdOptions {
    /// A well-behaved card on a good reader.
    fn default() -> Self {
        Self {
            access: AccessMode::Both,
            extended: true,
            max_read: None,
            exact_le: false,
            dg2_size: None,
            fault: None,
        }
    }
}

/// The default virtual CCCD with these options.
pub fn default_cccd(options: &CccdOptions) -> VirtualCccd {
    match Profile::default_profile() {
        Ok(p) => p.build(options),
        // The compiled-in profile is tested to load; a card with no files is still a card.
        Err(_) => VirtualCccd::new(
            Iso7816Card::new(CardOptions::default(), vec![], vec![]),
            CardIdentity::default(),
            options.access,
            options.extended,
        ),
    }
}

/// A plain ISO 7816-4 card with the CCCD's EF.CardAccess and an eMRTD application holding
/// EF.COM, readable without access control (for transport-level tests).
pub fn default_card() -> Iso7816Card {
    Iso7816Card::new(
        CardOptions::default(),
        vec![ElementaryFile::free(
            0x011C,
            0x1C,
            CCCD_CARD_ACCESS.to_vec(),
        )],
        vec![Application {
            aid: EMRTD_AID.to_vec(),
            files: vec![ElementaryFile::free(0x011E, 0x1E, ef_com())],
        }],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_access_matches_the_published_hex() {
        let published = "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d";
        assert_eq!(hex::encode(CCCD_CARD_ACCESS), published);
    }

    #[test]
    fn the_default_profile_builds_a_consistent_card() {
        let p = Profile::default_profile().unwrap();
        let id = &p.identity;
        assert_eq!(id.can.as_deref(), Some("012345"));
        let mrz = id.mrz.as_ref().unwrap();
        assert!(mrz[0].starts_with("IDVNM095012345") && &mrz[0][15..27] == "038095012345");
        assert_eq!(mrz[2], "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<");
        let parsed = Mrz::parse(&mrz.join("\n")).unwrap();
        assert!(parsed.composite_check_ok());
        assert_eq!(
            (parsed.date_of_birth(), parsed.date_of_expiry()),
            ("950817", "350817")
        );
        assert!(
            id.qr
                .as_deref()
                .unwrap()
                .starts_with("038095012345|381234567|Nguyễn Văn An|17081995|Nam|")
        );
        for (fid, _, data) in &p.files {
            let h = asn1::decode_header(data).unwrap();
            assert_eq!(h.total_len(), data.len(), "file {fid:04X}");
        }
        let record = citizen::CitizenRecord::from_files(
            &p.files.iter().find(|f| f.0 == 0x010D).unwrap().2,
            Some(&p.files.iter().find(|f| f.0 == 0x0101).unwrap().2),
        )
        .unwrap();
        assert_eq!(record.full_name.as_deref(), Some("Nguyễn Văn An"));
        assert_eq!(record.spouse_name.as_deref(), Some("Lê Thị Dung"));
        assert!(record.warnings.is_empty(), "{:?}", record.warnings);
    }

    #[test]
    fn the_elderly_profile_has_a_year_only_birth_and_no_expiry() {
        let p = Profile::parse(
            include_str!("../profiles/elderly-no-expiry.toml"),
            Path::new("elderly.toml"),
        )
        .unwrap();
        let mrz = p.identity.mrz.as_ref().unwrap();
        assert_eq!(&mrz[1][0..6], "50<<<<");
        assert_eq!(&mrz[1][8..14], "991231");
        let dg13 = &p.files.iter().find(|f| f.0 == 0x010D).unwrap().2;
        let record = citizen::CitizenRecord::from_files(dg13, None).unwrap();
        assert_eq!(
            record.date_of_birth.map(|d| d.to_iso()).as_deref(),
            Some("1950")
        );
        assert_eq!(record.date_of_expiry, None);
        assert_eq!(record.spouse_name, None);
        assert!(
            record.other_fields.contains_key("16"),
            "{:?}",
            record.other_fields
        );
    }

    #[test]
    fn bad_profiles_are_refused_with_the_reason() {
        for (text, want) in [
            ("", "exactly one"),
            ("[citizen]\nid_number = \"1\"", "missing field"),
            ("[dump]\ndir = \"/nonexistent\"", "no EF_"),
            ("[chip]\naccess = \"x\"\n[dump]\ndir=\".\"", ""),
        ] {
            let e = Profile::parse(text, Path::new("p.toml"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn names_and_dates_for_the_mrz() {
        assert_eq!(mrz_name("Đặng Thị Ánh Tuyết"), "DANG<<THI<ANH<TUYET");
        assert_eq!(mrz_date("17/08/1995").as_deref(), Some("950817"));
        assert_eq!(mrz_date("00/00/1950").as_deref(), Some("50<<<<"));
        assert_eq!(mrz_date("1950"), None);
        assert!(
            no_expiry("Không thời hạn") && no_expiry("KHÔNG THỜI HẠN") && !no_expiry("17/08/2035")
        );
    }
}
