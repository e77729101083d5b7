//! A minimal DER writer for the simulator's test data (certificates, EF.SOD, DG13, DG14).
//!
//! Written by hand rather than with the `x509-cert`/`cms` builders because test data must be
//! byte-exact and deliberately wrong on request (a tampered DG, a signature over other bytes, an
//! id-data eContentType), which builders exist to prevent. Only definite-length DER is written.

/// A TLV with a one-byte tag.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    asn1::tlv(tag, content)
}

/// DER length octets.
pub fn length(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(4);
    asn1::push_length(&mut out, n);
    out
}

/// A TLV with a two-byte tag (`5F2E`, `7F61`...).
pub fn tlv2(tag: u16, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    asn1::push_tlv(&mut out, &tag.to_be_bytes(), content);
    out
}

/// SEQUENCE of the concatenated parts.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// SET OF, with its elements sorted as DER requires (X.690 §11.6).
pub fn set_of(mut parts: Vec<Vec<u8>>) -> Vec<u8> {
    parts.sort();
    tlv(0x31, &parts.concat())
}

/// INTEGER from a small non-negative value.
pub fn int(v: u64) -> Vec<u8> {
    uint(&v.to_be_bytes())
}

/// INTEGER from big-endian unsigned bytes (leading zeros dropped, a 00 added when the top bit
/// is set).
pub fn uint(bytes: &[u8]) -> Vec<u8> {
    let mut b: Vec<u8> = bytes.iter().copied().skip_while(|x| *x == 0).collect();
    if b.is_empty() || b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    tlv(0x02, &b)
}

/// OBJECT IDENTIFIER from its dotted form.
pub fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut body = Vec::new();
    if arcs.len() >= 2 {
        base128(&mut body, arcs[0] * 40 + arcs[1]);
        for a in &arcs[2..] {
            base128(&mut body, *a);
        }
    }
    tlv(0x06, &body)
}

fn base128(out: &mut Vec<u8>, mut v: u64) {
    let mut tmp = vec![(v & 0x7F) as u8];
    v >>= 7;
    while v > 0 {
        tmp.push(0x80 | (v & 0x7F) as u8);
        v >>= 7;
    }
    tmp.reverse();
    out.extend_from_slice(&tmp);
}

/// OCTET STRING.
pub fn octets(b: &[u8]) -> Vec<u8> {
    tlv(0x04, b)
}

/// BIT STRING with no unused bits.
pub fn bits(b: &[u8]) -> Vec<u8> {
    let mut c = vec![0];
    c.extend_from_slice(b);
    tlv(0x03, &c)
}

/// UTF8String.
pub fn utf8(s: &str) -> Vec<u8> {
    tlv(0x0C, s.as_bytes())
}

/// PrintableString.
pub fn printable(s: &str) -> Vec<u8> {
    tlv(0x13, s.as_bytes())
}

/// UTCTime `YYMMDDhhmmssZ`.
pub fn utc_time(yymmddhhmmss: &str) -> Vec<u8> {
    tlv(0x17, format!("{yymmddhhmmss}Z").as_bytes())
}

/// Context-specific constructed tag `[n]`.
pub fn ctx(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0xA0 | n, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(
            oid("1.2.840.10045.4.3.2"),
            hex::decode("06082A8648CE3D040302").unwrap()
        );
        assert_eq!(
            oid("1.0.10646.1.0.8"),
            hex::decode("060628D316010008").unwrap()
        );
        assert_eq!(
            oid("2.23.136.1.1.1"),
            hex::decode("0606678108010101").unwrap()
        );
        assert_eq!(int(0), vec![2, 1, 0]);
        assert_eq!(int(128), vec![2, 2, 0, 128]);
        assert_eq!(uint(&[0, 0, 1]), vec![2, 1, 1]);
        assert_eq!(length(300), vec![0x82, 1, 44]);
        assert_eq!(
            set_of(vec![vec![0x02, 1, 2], vec![0x02, 1, 1]]),
            vec![0x31, 6, 2, 1, 1, 2, 1, 2]
        );
    }
}
