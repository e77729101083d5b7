//! A small DER writer (ITU-T X.690 §8, §10) for the LDS files: EF.COM, the data groups and the
//! LDS security object.
//!
//! Written by hand on purpose: these images exist to test the reader, so they must not share
//! code with it. The reader's BER parser (`asn1`) and the `der` crate path its EF.SOD parser
//! takes are both left out, so that a wrong assumption about a tag, a length form or a nesting
//! shows up as a failing test instead of being mirrored on both sides. The CMS and X.509 parts
//! of EF.SOD (signatures) use the RustCrypto crates instead (see `sod.rs`).

/// The length octets of X.690 §8.1.3 (definite form): short form below 128, else `81`-`84`
/// followed by the length in as few big-endian octets as it takes (DER, §10.1).
pub fn length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![len as u8];
    }
    let bytes = len.to_be_bytes();
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    let mut out = vec![0x80 | (bytes.len() - first) as u8];
    out.extend_from_slice(&bytes[first..]);
    out
}

/// A TLV with the given tag octets (one byte such as `30`, or several such as `5F 1F`).
pub fn tlv(tag: &[u8], content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + 4 + content.len());
    out.extend_from_slice(tag);
    out.extend_from_slice(&length(content.len()));
    out.extend_from_slice(content);
    out
}

/// A constructed TLV whose contents are `parts` in the order given.
pub fn constructed(tag: &[u8], parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(tag, &parts.concat())
}

/// `SEQUENCE { parts }`.
pub fn sequence(parts: &[Vec<u8>]) -> Vec<u8> {
    constructed(&[0x30], parts)
}

/// `SET { parts }` in the order given (X.690 §10.3 would sort a SET OF: callers that want DER
/// order call [`set_of_der`]; DG13 keeps the card's own order).
pub fn set(parts: &[Vec<u8>]) -> Vec<u8> {
    constructed(&[0x31], parts)
}

/// `SET OF` in DER order (X.690 §11.6: encodings compared as octet strings).
pub fn set_of_der(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut sorted = parts.to_vec();
    sorted.sort();
    set(&sorted)
}

/// An INTEGER from an unsigned value (X.690 §8.3: two's complement, minimal octets).
pub fn integer(value: u64) -> Vec<u8> {
    unsigned_integer(&value.to_be_bytes())
}

/// An INTEGER from unsigned big-endian magnitude octets (a leading `00` added when the high
/// bit is set, leading zeros removed).
pub fn unsigned_integer(magnitude: &[u8]) -> Vec<u8> {
    let first = magnitude
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(magnitude.len());
    let mut content = magnitude[first..].to_vec();
    if content.first().is_none_or(|b| b & 0x80 != 0) {
        content.insert(0, 0);
    }
    tlv(&[0x02], &content)
}

/// The contents octets of an OBJECT IDENTIFIER (X.690 §8.19): the first two arcs as
/// `40 * a + b`, each arc in base 128 with the high bit on all but its last octet.
pub fn oid_content(arcs: &[u64]) -> Vec<u8> {
    let mut out = Vec::new();
    let (first, rest) = match arcs {
        [a, b, rest @ ..] => (40 * a + b, rest),
        [a] => (40 * a, &[][..]),
        [] => return out,
    };
    for arc in std::iter::once(first).chain(rest.iter().copied()) {
        let mut groups = vec![(arc & 0x7F) as u8];
        let mut v = arc >> 7;
        while v > 0 {
            groups.push(0x80 | (v & 0x7F) as u8);
            v >>= 7;
        }
        groups.reverse();
        out.extend(groups);
    }
    out
}

/// An OBJECT IDENTIFIER.
pub fn oid(arcs: &[u64]) -> Vec<u8> {
    tlv(&[0x06], &oid_content(arcs))
}

/// A UTF8String (tag 12).
pub fn utf8(text: &str) -> Vec<u8> {
    tlv(&[0x0C], text.as_bytes())
}

/// A PrintableString (tag 19).
pub fn printable(text: &str) -> Vec<u8> {
    tlv(&[0x13], text.as_bytes())
}

/// An OCTET STRING.
pub fn octet_string(bytes: &[u8]) -> Vec<u8> {
    tlv(&[0x04], bytes)
}

/// A BIT STRING with no unused bits.
pub fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = vec![0];
    content.extend_from_slice(bytes);
    tlv(&[0x03], &content)
}

/// NULL.
pub fn null() -> Vec<u8> {
    vec![0x05, 0x00]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_forms() {
        assert_eq!(length(0), [0x00]);
        assert_eq!(length(127), [0x7F]);
        assert_eq!(length(128), [0x81, 0x80]);
        assert_eq!(length(255), [0x81, 0xFF]);
        assert_eq!(length(256), [0x82, 0x01, 0x00]);
        assert_eq!(length(70_000), [0x83, 0x01, 0x11, 0x70]);
    }

    #[test]
    fn integers_are_minimal_twos_complement() {
        assert_eq!(integer(0), [0x02, 0x01, 0x00]);
        assert_eq!(integer(1), [0x02, 0x01, 0x01]);
        assert_eq!(integer(127), [0x02, 0x01, 0x7F]);
        assert_eq!(integer(128), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(256), [0x02, 0x02, 0x01, 0x00]);
        assert_eq!(unsigned_integer(&[0, 0, 0xFF]), [0x02, 0x02, 0x00, 0xFF]);
    }

    #[test]
    fn object_identifiers() {
        // X.690 §8.19.5's example: {2 999 3} = 88 37 03.
        assert_eq!(oid(&[2, 999, 3]), [0x06, 0x03, 0x88, 0x37, 0x03]);
        // id-icao-mrtd-security-ldsSecurityObject 2.23.136.1.1.1 (ICAO 9303-10 §4.6.2).
        assert_eq!(
            oid(&[2, 23, 136, 1, 1, 1]),
            [0x06, 0x06, 0x67, 0x81, 0x08, 0x01, 0x01, 0x01]
        );
        // sha256 2.16.840.1.101.3.4.2.1 (RFC 5754).
        assert_eq!(
            oid(&[2, 16, 840, 1, 101, 3, 4, 2, 1]),
            [
                0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01
            ]
        );
        // The UTF-8 character set of DG13, 1.0.10646.1.0.8.
        assert_eq!(
            oid(&[1, 0, 10646, 1, 0, 8]),
            [0x06, 0x06, 0x28, 0xD3, 0x16, 0x01, 0x00, 0x08]
        );
    }

    #[test]
    fn a_small_structure_written_out_by_hand() {
        // SEQUENCE { INTEGER 13, UTF8String "Lê", SET { OCTET STRING 'AB'H } }
        let s = sequence(&[integer(13), utf8("Lê"), set(&[octet_string(&[0xAB])])]);
        assert_eq!(
            s,
            [
                0x30, 0x0D, 0x02, 0x01, 0x0D, 0x0C, 0x03, 0x4C, 0xC3, 0xAA, 0x31, 0x03, 0x04, 0x01,
                0xAB
            ]
        );
        // Two-byte tags and the long length form.
        let long = tlv(&[0x5F, 0x1F], &[b'<'; 200]);
        assert_eq!(&long[..4], [0x5F, 0x1F, 0x81, 200]);
        assert_eq!(long.len(), 204);
        assert_eq!(bit_string(&[0x04]), [0x03, 0x02, 0x00, 0x04]);
        assert_eq!(
            set_of_der(&[vec![2, 1, 9], vec![2, 1, 3]]),
            [0x31, 0x06, 2, 1, 3, 2, 1, 9]
        );
    }
}
