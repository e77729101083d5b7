//! The element tree that CMS and X.509 parsing walks, and the BER→DER normaliser, built on the
//! workspace's one BER reader (`asn1::ber`).
//!
//! # Why a tree with byte ranges, and a normaliser
//! Real EF.SODs are sometimes BER with indefinite lengths (New Zealand 2013: `30 80 … 00 00`,
//! and an eContent `[0]` of indefinite length). `cms`/`x509-cert` types are decoded as DER, and
//! re-encoding decoded values is exactly what must not happen to signed bytes: `der` sorts
//! SET OF elements when decoding. We also need the byte ranges of the elements as received (the
//! signed attributes, each certificate's `tbsCertificate`), which typed decoders do not expose.
//! So the input is walked once into [`Node`]s that keep every element's byte range, and the
//! normaliser changes only what DER forbids in *framing*:
//! - indefinite lengths become definite, non-minimal length octets become minimal (§10.1);
//! - a constructed OCTET STRING (`24 …`, only legal in BER) becomes one primitive OCTET STRING
//!   with the segments' contents concatenated (§10.2; its value is unchanged, §8.7.3).
//!
//! Contents octets of primitive elements are copied untouched, and a subtree that was already
//! DER comes out byte-identical, so signatures over DER parts (signed attributes, certificates)
//! still verify against the normalised copy.

use asn1::ber::{self, LengthForm, Reader, Tlv};
use asn1::push_length;

use crate::TrustError;

/// Nesting limit: CMS/X.509 structures are < 20 deep; this bounds recursion on hostile input.
const MAX_DEPTH: usize = 64;

/// One BER element with its position in the input it was read from.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// Identifier octets (one or more: high-tag-number form is kept as is).
    pub tag: Vec<u8>,
    /// Bit 6 of the first identifier octet.
    pub constructed: bool,
    /// Whether this element or any descendant used a form DER forbids.
    pub non_der: bool,
    /// Byte range of the whole element (identifier, length, contents, end-of-contents).
    pub start: usize,
    /// End (exclusive) of the whole element.
    pub end: usize,
    /// Byte range of the contents octets (without the end-of-contents octets).
    pub content: (usize, usize),
    /// Elements inside a constructed element.
    pub children: Vec<Node>,
}

impl Node {
    /// The first identifier octet (enough for the universal and low context tags used here).
    pub fn tag0(&self) -> u8 {
        self.tag.first().copied().unwrap_or(0)
    }

    /// The whole element, as received.
    pub fn raw<'a>(&self, input: &'a [u8]) -> &'a [u8] {
        &input[self.start..self.end]
    }

    /// The contents octets, as received.
    pub fn contents<'a>(&self, input: &'a [u8]) -> &'a [u8] {
        &input[self.content.0..self.content.1]
    }

    /// The `i`-th child, or a parse error naming `what`.
    pub fn child(&self, i: usize, what: &str) -> Result<&Node, TrustError> {
        self.children
            .get(i)
            .ok_or_else(|| TrustError::Malformed(format!("{what}: element missing")))
    }

    fn from_tlv(t: &Tlv<'_>, depth: usize) -> Result<Self, TrustError> {
        if depth > MAX_DEPTH {
            return Err(malformed(t.err("nesting too deep")));
        }
        let mut non_der = !matches!(
            t.length_form,
            LengthForm::Short | LengthForm::Long { minimal: true }
        );
        // Constructed OCTET STRING: BER only (X.690 §10.2).
        non_der |= t.constructed && t.tag == 0x24;
        let mut children = Vec::new();
        if t.constructed {
            for child in t.children().all().map_err(malformed)? {
                let node = Self::from_tlv(&child, depth + 1)?;
                non_der |= node.non_der;
                children.push(node);
            }
        }
        Ok(Self {
            tag: t.tag_bytes().to_vec(),
            constructed: t.constructed,
            non_der,
            start: t.offset,
            end: t.offset + t.raw.len(),
            content: (t.value_offset, t.value_offset + t.value.len()),
            children,
        })
    }
}

fn malformed(e: ber::Error) -> TrustError {
    TrustError::Malformed(format!("BER: {e}"))
}

/// Parses exactly one element spanning all of `input`.
pub(crate) fn parse(input: &[u8]) -> Result<Node, TrustError> {
    Node::from_tlv(&ber::parse_one(input).map_err(malformed)?, 0)
}

/// Parses the element at the start of `input` (it may be followed by other data).
pub(crate) fn parse_prefix(input: &[u8]) -> Result<Node, TrustError> {
    Node::from_tlv(&Reader::new(input, 0).read().map_err(malformed)?, 0)
}

/// Re-frames `node` as DER (see the module documentation for what changes and what cannot).
pub(crate) fn to_der(input: &[u8], node: &Node, out: &mut Vec<u8>) {
    if !node.non_der {
        out.extend_from_slice(node.raw(input));
        return;
    }
    if node.constructed && node.tag0() == 0x24 {
        let mut value = Vec::new();
        flatten_string(input, node, &mut value);
        out.push(0x04);
        push_length(out, value.len());
        out.extend_from_slice(&value);
        return;
    }
    let mut body = Vec::new();
    if node.constructed {
        for child in &node.children {
            to_der(input, child, &mut body);
        }
    } else {
        body.extend_from_slice(node.contents(input));
    }
    out.extend_from_slice(&node.tag);
    push_length(out, body.len());
    out.extend_from_slice(&body);
}

fn flatten_string(input: &[u8], node: &Node, out: &mut Vec<u8>) {
    if node.constructed {
        for child in &node.children {
            flatten_string(input, child, out);
        }
    } else {
        out.extend_from_slice(node.contents(input));
    }
}

/// Normalises `input` (one BER element) to DER; returns the DER bytes and whether anything changed.
#[cfg(test)]
pub(crate) fn normalise(input: &[u8]) -> Result<(Vec<u8>, bool), TrustError> {
    let node = parse(input)?;
    if !node.non_der {
        return Ok((input.to_vec(), false));
    }
    let mut out = Vec::with_capacity(input.len());
    to_der(input, &node, &mut out);
    Ok((out, true))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn indefinite_lengths_and_constructed_strings_are_normalised() {
        // SEQUENCE (indefinite) { [0] (indefinite) { OCTET STRING constructed { "ab", "c" } } }
        let ber = hex::decode("3080a080248004026162040163000000000000").unwrap();
        let (der, changed) = normalise(&ber).unwrap();
        assert!(changed);
        assert_eq!(hex::encode(der), "3007a00504036162 63".replace(' ', ""));
    }

    #[test]
    fn der_is_unchanged_and_long_lengths_are_shortened() {
        let der = hex::decode("300602010102017f").unwrap();
        assert_eq!(normalise(&der).unwrap(), (der.clone(), false));
        let long = hex::decode("30810602010102017f").unwrap();
        assert_eq!(normalise(&long).unwrap(), (der, true));
    }

    #[test]
    fn truncated_and_hostile_inputs_are_errors() {
        for bad in [
            "30",
            "3005020101",
            "3080020101",
            "0480",
            "3084ffffffff",
            "04020000ff",
        ] {
            assert!(parse(&hex::decode(bad).unwrap()).is_err(), "{bad}");
        }
        let deep = [0x30u8, 0x80].repeat(100);
        assert!(parse(&deep).is_err());
    }
}
