/// The ATR a PC/SC reader builds for an ISO/IEC 14443-4 card (PC/SC Part 3 §3.1.3.2.3):
/// `3B 8n 80 01 <n historical bytes> TCK`, where TCK makes the XOR of T0..TCK zero.
///
/// For a Type B card the historical bytes are the ATQB application data, protocol info and
/// MBLI; for Type A the ATS historical bytes. The simulator passes them in.
pub fn contactless_atr(historical: &[u8]) -> Vec<u8> {
    let n = historical.len().min(15);
    let mut atr = vec![0x3B, 0x80 | n as u8, 0x80, 0x01];
    atr.extend_from_slice(&historical[..n]);
    let tck = atr[1..].iter().fold(0u8, |acc, b| acc ^ b);
    atr.push(tck);
    atr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tck_makes_the_xor_zero() {
        // A well-known ATR of a contactless card with empty historical bytes.
        assert_eq!(contactless_atr(&[]), vec![0x3B, 0x80, 0x80, 0x01, 0x01]);
        let atr = contactless_atr(&[0, 0, 0, 0, 0x00, 0x81, 0x81, 0x71]);
        assert_eq!(atr.len(), 4 + 8 + 1);
        assert_eq!(atr[1..].iter().fold(0u8, |a, b| a ^ b), 0);
    }
}
