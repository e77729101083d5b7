use icao9303::MrzInfo;
use icao9303::keys::check_digit;

use crate::card::{Application, CardOptions, ElementaryFile, FileAccess, Iso7816Card};
use crate::cccd::{AccessMode, VirtualCccd};

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

/// What is printed on a (fictional) card and keys its chip: the 12-digit ID, the CAN, the MRZ
/// and the QR text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardIdentity {
    /// The 12-digit personal ID number.
    pub id_number: String,
    /// The CAN: the last 6 digits of the ID.
    pub can: String,
    /// Date of birth `YYMMDD`.
    pub date_of_birth: String,
    /// Date of expiry `YYMMDD` (`991231`: none).
    pub date_of_expiry: String,
    /// The three TD1 MRZ lines.
    pub mrz: [String; 3],
    /// The QR code's text.
    pub qr: String,
}

impl CardIdentity {
    /// Builds the identity of a CCCD: the MRZ in the CCCD's TD1 layout (document number = the
    /// last 9 digits of the ID; the full ID in the optional data with its own check digit).
    ///
    /// `dob` and `expiry` are `YYMMDD`; `sex` is `M` or `F`; `name_mrz` is the MRZ name field
    /// (`SURNAME<<GIVEN<NAMES`); `qr` the QR text printed on the card.
    pub fn cccd(
        id_number: &str,
        dob: &str,
        sex: char,
        expiry: &str,
        name_mrz: &str,
        qr: &str,
    ) -> Self {
        let doc = &id_number[3..];
        let cd = |s: &str| check_digit(s).map_or('<', |d| (b'0' + d) as char);
        let line1 = format!("IDVNM{doc}{}{id_number}<<{}", cd(doc), cd(id_number));
        let upper_optional = &line1[5..30];
        let mut line2 = format!("{dob}{}{sex}{expiry}{}VNM", cd(dob), cd(expiry));
        line2.push_str(&"<".repeat(29 - line2.len()));
        let composite_input = format!(
            "{upper_optional}{}{}{}",
            &line2[0..7],
            &line2[8..15],
            &line2[18..29]
        );
        line2.push(cd(&composite_input));
        let mut line3 = name_mrz.to_owned();
        line3.truncate(30);
        line3.push_str(&"<".repeat(30 - line3.len()));
        Self {
            id_number: id_number.to_owned(),
            can: id_number[6..].to_owned(),
            date_of_birth: dob.to_owned(),
            date_of_expiry: expiry.to_owned(),
            mrz: [line1, line2, line3],
            qr: qr.to_owned(),
        }
    }

    /// The MRZ information that keys BAC and PACE with the MRZ.
    pub fn mrz_info(&self) -> Option<MrzInfo> {
        MrzInfo::new(
            &self.id_number[3..],
            &self.date_of_birth,
            &self.date_of_expiry,
        )
        .ok()
    }

    /// The fictional holder of the default virtual card (no real person): born 17/08/1995 in
    /// Thanh Hóa (province code 038), card issued 12/04/2021, so it expires at 40, on 17/08/2035.
    pub fn default_holder() -> Self {
        Self::cccd(
            "038095012345",
            "950817",
            'M',
            "350817",
            "NGUYEN<<VAN<AN",
            "038095012345|381234567|Nguyễn Văn An|17081995|Nam|Số 12 Đường Lê Lợi, Phường Ba Đình, Thanh Hóa|12042021",
        )
    }
}

/// How to build the virtual CCCD.
#[derive(Debug, Clone)]
pub struct CccdOptions {
    /// Access protocols offered.
    pub access: AccessMode,
    /// Accept extended-length APDUs.
    pub extended: bool,
    /// Answer 6700 to a READ BINARY asking for more.
    pub max_read: Option<usize>,
    /// Answer 6Cxx to any other Le than the exact length.
    pub exact_le: bool,
    /// Size of the photo data group DG2.
    pub dg2_size: usize,
}

impl Default for CccdOptions {
    fn default() -> Self {
        Self {
            access: AccessMode::Both,
            extended: true,
            max_read: None,
            exact_le: false,
            dg2_size: 20_000,
        }
    }
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

/// DG1 (ICAO 9303-10 §4.7.1): `61 { 5F1F MRZ }`.
fn dg1(identity: &CardIdentity) -> Vec<u8> {
    let mrz: String = identity.mrz.concat();
    let mut inner = vec![0x5F, 0x1F];
    inner.extend_from_slice(&length(mrz.len()));
    inner.extend_from_slice(mrz.as_bytes());
    tlv(0x61, &inner)
}

/// A data group of `total` bytes with the given tag whose content is deterministic filler: the
/// sizes are those of a real CCCD, so reading costs what it would.
/// A size no TLV can have exactly (130: a 128-byte value needs a 3-byte header) gets one byte
/// less.
fn filler(tag: u8, total: usize) -> Vec<u8> {
    let content_len = (2..=4)
        .map(|h| total.saturating_sub(h))
        .find(|c| 1 + length(*c).len() + c == total)
        .unwrap_or(total.saturating_sub(3).min(0x7F));
    let content: Vec<u8> = (0..content_len)
        .map(|i| (i.wrapping_mul(7919) % 251) as u8)
        .collect();
    tlv(tag, &content)
}

fn length(n: usize) -> Vec<u8> {
    match n {
        0..=0x7F => vec![n as u8],
        0x80..=0xFF => vec![0x81, n as u8],
        _ => vec![0x82, (n >> 8) as u8, n as u8],
    }
}

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend_from_slice(&length(value.len()));
    out.extend_from_slice(value);
    out
}

/// The default virtual card's file system: EF.CardAccess at the MF; EF.COM, EF.SOD and DG1,
/// DG2, DG3, DG13, DG14, DG15 in the eMRTD application, readable under secure messaging (DG3
/// only after terminal authentication, which is never offered).
pub fn cccd_files(identity: &CardIdentity, dg2_size: usize) -> Iso7816Card {
    let dg3 = ElementaryFile {
        fid: 0x0103,
        sfi: Some(0x03),
        data: filler(0x63, 1200),
        access: FileAccess::TerminalAuthentication,
    };
    Iso7816Card::new(
        CardOptions::default(),
        vec![ElementaryFile::free(
            0x011C,
            0x1C,
            CCCD_CARD_ACCESS.to_vec(),
        )],
        vec![Application {
            aid: EMRTD_AID.to_vec(),
            files: vec![
                ElementaryFile::protected(0x011E, 0x1E, ef_com()),
                ElementaryFile::protected(0x011D, 0x1D, filler(0x77, 2004)),
                ElementaryFile::protected(0x0101, 0x01, dg1(identity)),
                ElementaryFile::protected(0x0102, 0x02, filler(0x75, dg2_size.clamp(16, 65_000))),
                dg3,
                ElementaryFile::protected(0x010D, 0x0D, filler(0x6D, 604)),
                ElementaryFile::protected(0x010E, 0x0E, filler(0x6E, 304)),
                ElementaryFile::protected(0x010F, 0x0F, filler(0x6F, 304)),
            ],
        }],
    )
}

/// The default virtual CCCD with these options.
pub fn default_cccd(options: &CccdOptions) -> VirtualCccd {
    let identity = CardIdentity::default_holder();
    let mut fs = cccd_files(&identity, options.dg2_size);
    fs.options_mut().max_read = options.max_read;
    fs.options_mut().exact_le = options.exact_le;
    VirtualCccd::new(fs, identity, options.access, options.extended)
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
    fn files_are_well_formed_with_realistic_sizes() {
        let id = CardIdentity::default_holder();
        let card = cccd_files(&id, 20_000);
        let aid = Some(&EMRTD_AID[..]);
        for (fid, tag, size) in [
            (0x011E, 0x60, 26),
            (0x011D, 0x77, 2004),
            (0x0101, 0x61, 95),
            (0x0102, 0x75, 20_000),
            (0x010D, 0x6D, 604),
            (0x010E, 0x6E, 304),
            (0x010F, 0x6F, 304),
        ] {
            let f = card.file(aid, fid).unwrap();
            let h = apdu::tlv::decode_header(f).unwrap();
            assert_eq!(
                (h.tag, h.total_len(), f.len()),
                (tag, size, size),
                "file {fid:04X}"
            );
        }
        assert_eq!(filler(0x75, 129).len(), 129);
        assert_eq!(filler(0x75, 130).len(), 129);
        assert_eq!(filler(0x75, 131).len(), 131);
        assert_eq!(filler(0x75, 300).len(), 300);
    }

    #[test]
    fn the_mrz_follows_the_cccd_layout_and_parses() {
        let id = CardIdentity::default_holder();
        assert!(id.mrz[0].starts_with("IDVNM095012345") && &id.mrz[0][27..29] == "<<");
        assert_eq!(&id.mrz[0][5..14], "095012345");
        assert_eq!(&id.mrz[0][15..27], "038095012345");
        assert!(id.mrz.iter().all(|l| l.len() == 30));
        let parsed = icao9303::Mrz::parse(&id.mrz.join("\n")).unwrap();
        assert_eq!(parsed.document_number(), "095012345");
        assert_eq!(parsed.date_of_birth(), "950817");
        assert_eq!(parsed.date_of_expiry(), "350817");
        assert_eq!(id.can, "012345");
    }
}
