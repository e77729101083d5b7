//! Object identifiers (ITU-T X.690 §8.19) in dotted form, for messages and reports.

/// The dotted form of an OID's content bytes (`0.4.0.127.0.7.2.2.4.2.2`); arcs too large for
/// 64 bits or a truncated last arc give `None`.
pub fn to_dotted(content: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    let mut in_arc = false;
    for &b in content {
        if value > (u64::MAX >> 7) {
            return None;
        }
        value = (value << 7) | u64::from(b & 0x7F);
        in_arc = true;
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
            in_arc = false;
        }
    }
    if in_arc || arcs.is_empty() {
        return None;
    }
    Some(
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// [`to_dotted`], or the hex of the bytes when they are not a valid OID.
pub fn display(content: &[u8]) -> String {
    to_dotted(content).unwrap_or_else(|| format!("(invalid OID {})", hex::encode(content)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted() {
        let pace = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02];
        assert_eq!(to_dotted(&pace).as_deref(), Some("0.4.0.127.0.7.2.2.4.2.2"));
        let ec = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
        assert_eq!(to_dotted(&ec).as_deref(), Some("1.2.840.10045.2.1"));
        assert_eq!(to_dotted(&[0x88, 0x37]).as_deref(), Some("2.999"));
        assert_eq!(to_dotted(&[0x2A, 0x86]), None);
        assert_eq!(to_dotted(&[]), None);
        assert_eq!(display(&[0x86]), "(invalid OID 86)");
    }
}
