use crate::card::{Application, CardOptions, ElementaryFile, Iso7816Card};

/// The eMRTD application identifier (ICAO 9303-10 §3.1.1).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// EF.CardAccess as CCCDs publish it (see `shared/domain/cccd-chip.md`): TA v1, CA
/// `id-CA-ECDH-AES-CBC-CMAC-128` v1, PACE `id-PACE-ECDH-GM-AES-CBC-CMAC-128` v2 with
/// standardized domain parameters 13 (brainpoolP256r1).
pub const CCCD_CARD_ACCESS: [u8; 54] = [
    0x31, 0x34, 0x30, 0x0d, 0x06, 0x08, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x01, 0x01, 0x30, 0x0f, 0x06, 0x0a, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02,
    0x02, 0x03, 0x02, 0x02, 0x02, 0x01, 0x01, 0x30, 0x12, 0x06, 0x0a, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02, 0x02, 0x01, 0x02, 0x02, 0x01, 0x0d,
];

/// EF.COM (ICAO 9303-10 §4.6.1) of a CCCD: LDS 1.7, Unicode 4.0.0, data groups 1, 2, 3, 13,
/// 14 and 15.
fn ef_com() -> Vec<u8> {
    let mut inner = vec![0x5F, 0x01, 0x04, b'0', b'1', b'0', b'7', 0x5F, 0x36, 0x06, b'0', b'4', b'0', b'0', b'0', b'0'];
    let tags = [0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F];
    inner.extend_from_slice(&[0x5C, tags.len() as u8]);
    inner.extend_from_slice(&tags);
    let mut out = vec![0x60, inner.len() as u8];
    out.extend_from_slice(&inner);
    out
}

/// The default virtual card: the CCCD's EF.CardAccess at the master file and the eMRTD
/// application with its EF.COM. Later layers (access control, the LDS content) build on it.
pub fn default_card() -> Iso7816Card {
    Iso7816Card::new(
        CardOptions::default(),
        vec![ElementaryFile { fid: 0x011C, sfi: Some(0x1C), data: CCCD_CARD_ACCESS.to_vec() }],
        vec![Application { aid: EMRTD_AID.to_vec(), files: vec![ElementaryFile { fid: 0x011E, sfi: Some(0x1E), data: ef_com() }] }],
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
    fn ef_com_is_well_formed() {
        let com = ef_com();
        let h = apdu::tlv::decode_header(&com).unwrap();
        assert_eq!(h.tag, 0x60);
        assert_eq!(h.total_len(), com.len());
    }
}
