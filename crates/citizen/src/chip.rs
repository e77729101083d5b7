//! What is published about the CCCD's chip that a reader needs before the chip says it.

/// EF.CardAccess as several Vietnamese apps publish it (`shared/domain/cccd-chip.md`, "Access
/// control"): SecurityInfos { TA v1; CA `id-CA-ECDH-AES-CBC-CMAC-128` v1;
/// PACE `id-PACE-ECDH-GM-AES-CBC-CMAC-128` v2 with standardized domain parameters 13,
/// brainpoolP256r1 }. A chip or reader that does not give EF.CardAccess is tried with PACE on
/// these parameters before BAC (the production vendor SDK does not lose PACE there either).
pub const CCCD_CARD_ACCESS: [u8; 54] = [
    0x31, 0x34, 0x30, 0x0d, 0x06, 0x08, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x01,
    0x01, 0x30, 0x0f, 0x06, 0x0a, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x02, 0x02,
    0x01, 0x01, 0x30, 0x12, 0x06, 0x0a, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02,
    0x02, 0x01, 0x02, 0x02, 0x01, 0x0d,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_hex() {
        // The notes' hex, character for character.
        let published = "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d";
        let hex: String = CCCD_CARD_ACCESS
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, published);
    }
}
