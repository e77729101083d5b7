//! [`CardImage`]: a whole card (a CCCD, or a passport without DG13) built from its holder's
//! data, and the `[dump]` folder `cccd sim --profile` replays.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::dg13::{EntryOrder, Parents, Relative, Value, encode_dg13};
use crate::lds::{
    CaCipher, FaceImage, dg_tag, encode_dg1, encode_dg2, encode_dg14, encode_dg15, encode_ef_com,
    rsa_spki, synthetic_face,
};
use crate::mrz::{Td1, Td3, cccd_optional_data, name_field};
use crate::pki::{TestPki, p256_key};
use crate::rng::SeededRng;
use crate::sod::{LdsHash, SigningTime, encode_ef_sod, encode_lds_security_object};

/// A CCCD holder as DG13 stores them (texts as the card writes them: dates `dd/mm/yyyy`, or
/// partial `00/00/yyyy`, `00/mm/yyyy`, `yyyy`; sex "Nam"/"Nữ"). A fictional citizen by
/// default: Nguyễn Văn An, ID 001089012345, born 05/07/1989, card issued 10/03/2021.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citizen {
    /// Field 1, the 12-digit ID (its last 9 digits are the MRZ document number, its last 6
    /// the CAN).
    pub id_number: String,
    /// Field 2.
    pub full_name: String,
    /// Field 3.
    pub date_of_birth: String,
    /// Field 4.
    pub sex: String,
    /// Field 5.
    pub nationality: String,
    /// Field 6.
    pub ethnicity: String,
    /// Field 7.
    pub religion: String,
    /// Field 8.
    pub place_of_origin: String,
    /// Field 9.
    pub place_of_residence: String,
    /// Field 10.
    pub identifying_marks: String,
    /// Field 11.
    pub date_of_issue: String,
    /// Field 12 (`dd/mm/yyyy` or "Không thời hạn").
    pub date_of_expiry: String,
    /// Field 13.
    pub parents: Parents,
    /// Field 14 (absent when single).
    pub spouse: Option<Relative>,
    /// Field 15, the old 9-digit ID.
    pub old_id_number: Option<String>,
    /// Fields 16 and above (2024 cards), or any other numbers, as given.
    pub extra_fields: Vec<(u32, Vec<Value>)>,
    /// Fields 1-12 left out of DG13.
    pub omitted: Vec<u32>,
}

impl Default for Citizen {
    fn default() -> Self {
        Self {
            id_number: "001089012345".into(),
            full_name: "Nguyễn Văn An".into(),
            date_of_birth: "05/07/1989".into(),
            sex: "Nam".into(),
            nationality: "Việt Nam".into(),
            ethnicity: "Kinh".into(),
            religion: "Không".into(),
            place_of_origin: "Xã Đông Anh, Hà Nội".into(),
            place_of_residence: "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội".into(),
            identifying_marks: "Nốt ruồi cách 2cm dưới mép trái".into(),
            date_of_issue: "10/03/2021".into(),
            date_of_expiry: "05/07/2029".into(),
            parents: Parents::PerPerson {
                father: Some(Relative::named("Nguyễn Văn Bình")),
                mother: Some(Relative::named("Trần Thị Cúc")),
            },
            spouse: None,
            old_id_number: Some("123456789".into()),
            extra_fields: Vec::new(),
            omitted: Vec::new(),
        }
    }
}

impl Citizen {
    /// DG13's entries: (number, values after the INTEGER).
    pub fn dg13_entries(&self) -> Vec<(u32, Vec<Value>)> {
        let texts = [
            &self.id_number,
            &self.full_name,
            &self.date_of_birth,
            &self.sex,
            &self.nationality,
            &self.ethnicity,
            &self.religion,
            &self.place_of_origin,
            &self.place_of_residence,
            &self.identifying_marks,
            &self.date_of_issue,
            &self.date_of_expiry,
        ];
        let mut entries: Vec<(u32, Vec<Value>)> = (1u32..)
            .zip(texts)
            .filter(|(n, _)| !self.omitted.contains(n))
            .map(|(n, t)| (n, vec![Value::utf8(t)]))
            .collect();
        if let Some(v) = self.parents.values() {
            entries.push((13, v));
        }
        if let Some(s) = &self.spouse {
            entries.push((14, vec![s.value()]));
        }
        if let Some(old) = &self.old_id_number {
            entries.push((15, vec![Value::utf8(old)]));
        }
        entries.extend(self.extra_fields.iter().cloned());
        entries
    }

    /// The TD1 MRZ of this citizen's card.
    fn mrz(&self, date_of_birth: Option<&str>) -> Result<Vec<String>, Error> {
        let id = &self.id_number;
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::Invalid("the ID number must be 12 digits"));
        }
        let dob = match date_of_birth {
            Some(d) => d.to_owned(),
            None => mrz_date(&self.date_of_birth).ok_or(Error::Invalid(
                "the date of birth is not dd/mm/yyyy or yyyy",
            ))?,
        };
        // "Không thời hạn" (no expiry): 991231, as the domain notes say cards carry.
        let expiry = mrz_date(&self.date_of_expiry).unwrap_or_else(|| "991231".to_owned());
        let (primary, secondary) = split_name(&self.full_name);
        Td1 {
            document_code: "ID".into(),
            issuing_state: "VNM".into(),
            document_number: id[3..].into(),
            optional_data_1: cccd_optional_data(id)?,
            date_of_birth: dob,
            sex: mrz_sex(&self.sex),
            date_of_expiry: expiry,
            nationality: "VNM".into(),
            optional_data_2: String::new(),
            name: name_field(primary, secondary, 30),
        }
        .lines()
    }
}

/// A Vietnamese name's family name (first word) and the rest.
fn split_name(full: &str) -> (&str, &str) {
    let full = full.trim();
    full.split_once(' ').unwrap_or((full, ""))
}

fn mrz_sex(sex: &str) -> char {
    match sex.trim().to_lowercase().as_str() {
        "nam" => 'M',
        "nữ" => 'F',
        _ => '<',
    }
}

/// `dd/mm/yyyy` (with `00` for unknown parts) or `yyyy` as the MRZ's `YYMMDD`, unknown parts
/// as `<` (ICAO 9303-3 §4.6: "<" where the day or month is not known).
fn mrz_date(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.trim().split('/').collect();
    let (d, m, y) = match parts.as_slice() {
        [y] => ("00", "00", *y),
        [d, m, y] => (*d, *m, *y),
        _ => return None,
    };
    let ok = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(ok(d, 2) && ok(m, 2) && ok(y, 4)) {
        return None;
    }
    let unknown = |s: &str| {
        if s == "00" {
            "<<".to_owned()
        } else {
            s.to_owned()
        }
    };
    Some(format!("{}{}{}", &y[2..], unknown(m), unknown(d)))
}

/// A passport holder (TD3 MRZ, no DG13). Defaults: a fictional German passport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passport {
    /// Passport number, up to 9 characters.
    pub document_number: String,
    /// Issuing state (ICAO alpha-3, `D<<` for Germany).
    pub issuing_state: String,
    /// Nationality (ICAO alpha-3).
    pub nationality: String,
    /// Primary identifier (surname).
    pub primary_identifier: String,
    /// Secondary identifiers (given names).
    pub secondary_identifier: String,
    /// `YYMMDD`.
    pub date_of_birth: String,
    /// `M`, `F` or `<`.
    pub sex: char,
    /// `YYMMDD`.
    pub date_of_expiry: String,
    /// Up to 14 characters.
    pub personal_number: String,
}

impl Default for Passport {
    fn default() -> Self {
        Self {
            document_number: "C01X00T47".into(),
            issuing_state: "D".into(),
            nationality: "D".into(),
            primary_identifier: "Mustermann".into(),
            secondary_identifier: "Erika".into(),
            date_of_birth: "830812".into(),
            sex: 'F',
            date_of_expiry: "310531".into(),
            personal_number: String::new(),
        }
    }
}

/// The photo in DG2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Photo {
    /// A small synthetic JPEG portrait ([`synthetic_face`]).
    Synthetic,
    /// This JPEG.
    Jpeg(FaceImage),
    /// DG2 with no biometric instance (a card without a photo that still has the file).
    Empty,
}

#[derive(Debug, Clone)]
enum Document {
    Cccd(Box<Citizen>),
    Passport(Passport),
}

/// Options of a [`CardImage`]; [`CardImage::builder`] starts with a CCCD of the default
/// [`Citizen`] holding DG1, DG2, DG13, DG14 and DG15, all present.
#[derive(Debug, Clone)]
pub struct Builder {
    document: Document,
    mrz_date_of_birth: Option<String>,
    data_groups: Vec<u8>,
    withheld: Vec<u8>,
    photo: Photo,
    ca_cipher: Option<CaCipher>,
    dg13_order: EntryOrder,
    seed: Vec<u8>,
    pki: Option<TestPki>,
    lds_hash: LdsHash,
    signing_time: Option<SigningTime>,
    card_access: Option<Vec<u8>>,
}

const PRODUCED: [u8; 5] = [1, 2, 13, 14, 15];

impl Builder {
    /// The holder of a CCCD.
    pub fn citizen(mut self, citizen: Citizen) -> Self {
        self.document = Document::Cccd(Box::new(citizen));
        self
    }

    fn citizen_mut(&mut self) -> Option<&mut Citizen> {
        match &mut self.document {
            Document::Cccd(c) => Some(c),
            Document::Passport(_) => None,
        }
    }

    /// Changes the CCCD holder (nothing for a passport).
    pub fn with_citizen(mut self, change: impl FnOnce(&mut Citizen)) -> Self {
        if let Some(c) = self.citizen_mut() {
            change(c);
        }
        self
    }

    /// Field 13.
    pub fn parents(self, parents: Parents) -> Self {
        self.with_citizen(|c| c.parents = parents)
    }

    /// Field 14.
    pub fn spouse(self, spouse: Option<Relative>) -> Self {
        self.with_citizen(|c| c.spouse = spouse)
    }

    /// Field 15.
    pub fn old_id_number(self, old: Option<&str>) -> Self {
        self.with_citizen(|c| c.old_id_number = old.map(str::to_owned))
    }

    /// Adds a field (16 and above on 2024 cards) with its values.
    pub fn extra_field(self, number: u32, values: Vec<Value>) -> Self {
        self.with_citizen(|c| c.extra_fields.push((number, values)))
    }

    /// Field 3 as written on the card (`dd/mm/yyyy`, `00/00/yyyy`, `yyyy`).
    pub fn date_of_birth(self, text: &str) -> Self {
        self.with_citizen(|c| c.date_of_birth = text.to_owned())
    }

    /// The MRZ's date of birth, when it is not what field 3 gives (`YY0000` instead of
    /// `YY<<<<` for a year-only date, say).
    pub fn mrz_date_of_birth(mut self, yymmdd: &str) -> Self {
        self.mrz_date_of_birth = Some(yymmdd.to_owned());
        self
    }

    /// DG13's entry order.
    pub fn dg13_order(mut self, order: EntryOrder) -> Self {
        self.dg13_order = order;
        self
    }

    /// A passport instead of a CCCD: TD3 MRZ, no DG13 (data groups 1, 2, 14, 15 unless
    /// [`Builder::data_groups`] says otherwise), a PKI of `C=DE` unless [`Builder::pki`].
    pub fn passport(mut self, passport: Passport) -> Self {
        self.document = Document::Passport(passport);
        self.data_groups.retain(|n| *n != 13);
        self
    }

    /// The data groups the card has (among 1, 2, 13, 14, 15), listed in EF.COM and hashed in
    /// EF.SOD.
    pub fn data_groups(mut self, groups: &[u8]) -> Self {
        self.data_groups = groups.to_vec();
        self
    }

    /// Data group `n` is listed in EF.COM and hashed in EF.SOD but not in the folder: the
    /// virtual card answers `6A82` to it. Any number 1-16: one this crate cannot make (DG3,
    /// say) is hashed as an empty template.
    pub fn withhold(mut self, n: u8) -> Self {
        if !self.withheld.contains(&n) {
            self.withheld.push(n);
        }
        self
    }

    /// DG2's photo.
    pub fn photo(mut self, photo: Photo) -> Self {
        self.photo = photo;
        self
    }

    /// The cipher DG14's `ChipAuthenticationInfo` names; `None`: DG14 holds the key only.
    pub fn ca_cipher(mut self, cipher: Option<CaCipher>) -> Self {
        self.ca_cipher = cipher;
        self
    }

    /// The seed of the keys (chip keys, and the PKI unless [`Builder::pki`]).
    pub fn seed(mut self, seed: &[u8]) -> Self {
        self.seed = seed.to_vec();
        self
    }

    /// The PKI that signs EF.SOD.
    pub fn pki(mut self, pki: TestPki) -> Self {
        self.pki = Some(pki);
        self
    }

    /// The hash of the data groups in EF.SOD.
    pub fn lds_hash(mut self, hash: LdsHash) -> Self {
        self.lds_hash = hash;
        self
    }

    /// When EF.SOD was signed.
    pub fn signing_time(mut self, time: SigningTime) -> Self {
        self.signing_time = Some(time);
        self
    }

    /// EF.SOD without the (optional) signingTime attribute.
    pub fn without_signing_time(mut self) -> Self {
        self.signing_time = None;
        self
    }

    /// `EF_CardAccess.bin` of the folder (without one, the virtual card uses the CCCD's when the
    /// profile has a CAN).
    pub fn card_access(mut self, bytes: Vec<u8>) -> Self {
        self.card_access = Some(bytes);
        self
    }

    /// Encodes and signs the image.
    pub fn build(self) -> Result<CardImage, Error> {
        let mut listed: Vec<u8> = self.data_groups.clone();
        for n in &self.withheld {
            if !listed.contains(n) {
                listed.push(*n);
            }
        }
        listed.sort_unstable();
        if listed.iter().any(|n| dg_tag(*n).is_none()) {
            return Err(Error::Invalid("data groups are numbered 1 to 16"));
        }
        if self
            .data_groups
            .iter()
            .any(|n| !PRODUCED.contains(n) && !self.withheld.contains(n))
        {
            return Err(Error::Invalid(
                "card-images writes DG1, DG2, DG13, DG14 and DG15; list others with withhold()",
            ));
        }
        let (mrz, can, default_country) = match &self.document {
            Document::Cccd(c) => (
                c.mrz(self.mrz_date_of_birth.as_deref())?,
                Some(c.id_number[6..].to_owned()),
                "VN",
            ),
            Document::Passport(p) => {
                if listed.contains(&13) {
                    return Err(Error::Invalid("a passport image has no DG13"));
                }
                let lines = Td3 {
                    document_code: "P<".into(),
                    issuing_state: p.issuing_state.clone(),
                    name: name_field(&p.primary_identifier, &p.secondary_identifier, 39),
                    document_number: p.document_number.clone(),
                    nationality: p.nationality.clone(),
                    date_of_birth: self
                        .mrz_date_of_birth
                        .clone()
                        .unwrap_or_else(|| p.date_of_birth.clone()),
                    sex: p.sex,
                    date_of_expiry: p.date_of_expiry.clone(),
                    personal_number: p.personal_number.clone(),
                }
                .lines()?;
                (lines, None, "DE")
            }
        };
        let pki = match self.pki.clone() {
            Some(p) => p,
            None => TestPki::new(&self.seed, default_country)?,
        };
        let ca_key = p256_key(&self.seed, "chip-ca")?;
        let mut aa_key = None;
        let mut groups = Vec::new();
        for &n in &listed {
            let bytes = match n {
                1 => encode_dg1(&mrz),
                2 => match &self.photo {
                    Photo::Synthetic => encode_dg2(&[synthetic_face(0)?]),
                    Photo::Jpeg(face) => encode_dg2(std::slice::from_ref(face)),
                    Photo::Empty => encode_dg2(&[]),
                },
                13 => match &self.document {
                    Document::Cccd(c) => encode_dg13(&c.dg13_entries(), self.dg13_order),
                    Document::Passport(_) => Vec::new(),
                },
                14 => {
                    let point = ca_key.verifying_key().to_sec1_point(false);
                    encode_dg14(point.as_bytes(), self.ca_cipher)
                }
                15 => {
                    let mut rng = SeededRng::new(&self.seed, "chip-aa");
                    let key = rsa::PrivateKey::new(&mut rng, 1024)?;
                    use rsa::traits::PublicKeyParts;
                    let spki = rsa_spki(&key.n_bytes(), &key.e_bytes());
                    aa_key = Some(key);
                    encode_dg15(&spki)
                }
                // Listed only (withheld): an empty template stands for its contents.
                other => vec![dg_tag(other).unwrap_or(0), 0],
            };
            groups.push((n, bytes));
        }
        let ef_com = encode_ef_com("0107", "040000", &listed);
        let so = encode_lds_security_object(self.lds_hash, &groups);
        let ef_sod = encode_ef_sod(&pki, &so, self.signing_time)?;
        Ok(CardImage {
            ef_com,
            ef_sod,
            groups,
            withheld: self.withheld,
            mrz,
            can,
            card_access: self.card_access,
            pki,
            ca_key: ca_key.into(),
            aa_key,
        })
    }
}

/// A card image: every file's bytes, the keys, and the data that opens it.
#[derive(Clone)]
pub struct CardImage {
    ef_com: Vec<u8>,
    ef_sod: Vec<u8>,
    groups: Vec<(u8, Vec<u8>)>,
    withheld: Vec<u8>,
    mrz: Vec<String>,
    can: Option<String>,
    card_access: Option<Vec<u8>>,
    pki: TestPki,
    ca_key: p256::SecretKey,
    aa_key: Option<rsa::PrivateKey>,
}

impl std::fmt::Debug for CardImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CardImage({} data groups, {:?})",
            self.groups.len(),
            self.pki
        )
    }
}

/// The paths [`CardImage::write_dump`] wrote.
#[derive(Debug, Clone)]
pub struct Dump {
    /// The folder.
    pub dir: PathBuf,
    /// `profile.toml`: the `[dump]` profile for `cccd sim --profile`.
    pub profile: PathBuf,
    /// `csca.der`: the CSCA certificate, for `--trust`.
    pub csca: PathBuf,
    /// `ds.der`: the document signer's certificate (also inside EF.SOD).
    pub ds: PathBuf,
}

impl CardImage {
    /// A CCCD of the default [`Citizen`] with DG1, DG2, DG13, DG14, DG15, signed under a
    /// `C=VN` test PKI from the seed `card-images`, EF.SOD signed on 10 March 2021.
    pub fn builder() -> Builder {
        Builder {
            document: Document::Cccd(Box::default()),
            mrz_date_of_birth: None,
            data_groups: PRODUCED.to_vec(),
            withheld: Vec::new(),
            photo: Photo::Synthetic,
            ca_cipher: Some(CaCipher::Aes128),
            dg13_order: EntryOrder::default(),
            seed: b"card-images".to_vec(),
            pki: None,
            lds_hash: LdsHash::default(),
            signing_time: Some(SigningTime {
                year: 2021,
                month: 3,
                day: 10,
            }),
            card_access: None,
        }
    }

    /// EF.COM.
    pub fn ef_com(&self) -> &[u8] {
        &self.ef_com
    }

    /// EF.SOD.
    pub fn ef_sod(&self) -> &[u8] {
        &self.ef_sod
    }

    /// Data group `n` as the card holds it (`None` when the card does not have it, listed or
    /// not).
    pub fn data_group(&self, n: u8) -> Option<&[u8]> {
        if self.withheld.contains(&n) {
            return None;
        }
        self.groups
            .iter()
            .find(|(g, _)| *g == n)
            .map(|(_, b)| b.as_slice())
    }

    /// The data groups EF.COM lists and EF.SOD hashes.
    pub fn listed(&self) -> Vec<u8> {
        self.groups.iter().map(|(n, _)| *n).collect()
    }

    /// The MRZ lines (DG1's contents).
    pub fn mrz_lines(&self) -> &[String] {
        &self.mrz
    }

    /// The CAN (a CCCD's last 6 ID digits; `None` for a passport).
    pub fn can(&self) -> Option<&str> {
        self.can.as_deref()
    }

    /// The PKI that signed EF.SOD.
    pub fn pki(&self) -> &TestPki {
        &self.pki
    }

    /// The chip authentication private key (its public key is in DG14).
    pub fn chip_authentication_key(&self) -> &p256::SecretKey {
        &self.ca_key
    }

    /// The active authentication private key (RSA-1024; its public key is in DG15), when the
    /// card lists DG15.
    pub fn active_authentication_key(&self) -> Option<&rsa::PrivateKey> {
        self.aa_key.as_ref()
    }

    /// Writes the folder: `EF_COM.bin`, `EF_SOD.bin`, `EF_DGn.bin` for each data group the card
    /// has, `EF_CardAccess.bin` when set, `profile.toml` (`[dump]` with `dir = "."`, the CAN and
    /// the MRZ), `csca.der` and `ds.der`. Creates `dir` if needed.
    pub fn write_dump(&self, dir: &Path) -> Result<Dump, Error> {
        let write = |name: &str, bytes: &[u8]| -> Result<PathBuf, Error> {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            Ok(path)
        };
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_owned(),
            source,
        })?;
        write("EF_COM.bin", &self.ef_com)?;
        write("EF_SOD.bin", &self.ef_sod)?;
        for (n, bytes) in &self.groups {
            if !self.withheld.contains(n) {
                write(&format!("EF_DG{n}.bin"), bytes)?;
            }
        }
        if let Some(ca) = &self.card_access {
            write("EF_CardAccess.bin", ca)?;
        }
        let mut toml = String::from(
            "# A card image made by card-images for tests (a fictional holder, a test PKI).\n\
             [dump]\ndir = \".\"\n",
        );
        if let Some(can) = &self.can {
            toml.push_str(&format!("can = \"{can}\"\n"));
        }
        // MRZ characters are A-Z, 0-9 and <: nothing to escape.
        let lines: Vec<String> = self.mrz.iter().map(|l| format!("\"{l}\"")).collect();
        toml.push_str(&format!("mrz = [{}]\n", lines.join(", ")));
        Ok(Dump {
            dir: dir.to_owned(),
            profile: write("profile.toml", toml.as_bytes())?,
            csca: write("csca.der", &self.pki.csca_der()?)?,
            ds: write("ds.der", &self.pki.ds_der()?)?,
        })
    }
}

#[cfg(test)]
mod tests;
