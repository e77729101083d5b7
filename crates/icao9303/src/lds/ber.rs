//! A bounded BER reader (ITU-T X.690 §8.1) for the LDS files.
//!
//! Hand-written rather than the `der` crate because the files come from chips and document
//! signers that do not all follow DER: EF.SOD may use indefinite lengths (the New Zealand sample),
//! and some structures need to be read leniently (unknown elements skipped, not fatal). Every
//! element knows its absolute offset in the file so that errors can point at the faulty byte.
//!
//! Guarantees, whatever the input: no panic, no allocation (the reader only slices its input),
//! no recursion deeper than [`MAX_DEPTH`] (indefinite lengths are resolved recursively), and no
//! length is trusted beyond the bytes that remain in the enclosing element.

use crate::error::{Error, Result};
use crate::read::LdsFile;

/// Deepest nesting of indefinite-length elements accepted while looking for their end.
/// Real files nest fewer than 12 levels; the limit keeps hostile input from exhausting the stack.
pub(crate) const MAX_DEPTH: usize = 32;

/// One BER element, borrowed from the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// The tag bytes as a big-endian number (`0x30`, `0x7F61`, `0x5F1F`...).
    pub tag: u32,
    /// Bit 6 of the first tag byte.
    pub constructed: bool,
    /// The contents (without the end-of-contents octets of an indefinite length).
    pub value: &'a [u8],
    /// The whole encoding: tag, length, contents (and end-of-contents when indefinite).
    pub raw: &'a [u8],
    /// Absolute offset of the tag in the file.
    pub offset: usize,
    /// Absolute offset of the contents in the file.
    pub value_offset: usize,
}

impl<'a> Tlv<'a> {
    /// A reader over the contents of this element.
    pub fn children(&self, file: LdsFile) -> Reader<'a> {
        Reader::new(file, self.value, self.value_offset)
    }

    /// The error for this element.
    pub fn err(&self, file: LdsFile, why: &'static str) -> Error {
        malformed(file, self.offset, why)
    }

    /// A non-negative INTEGER's value, if it fits in 64 bits (leading zero octets allowed).
    pub fn uint(&self) -> Option<u64> {
        if self.tag != 0x02 {
            return None;
        }
        uint_of(self.value)
    }
}

/// The value of non-negative integer contents (two's complement, big-endian) fitting 64 bits.
pub(crate) fn uint_of(v: &[u8]) -> Option<u64> {
    match v.first() {
        None => None,
        Some(b) if b & 0x80 != 0 => None,
        Some(_) => {
            let start = v.iter().position(|&b| b != 0).unwrap_or(v.len());
            let v = &v[start..];
            (v.len() <= 8).then(|| v.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b)))
        }
    }
}

/// The error type of every LDS parser.
pub(crate) fn malformed(file: LdsFile, offset: usize, why: &'static str) -> Error {
    Error::MalformedFile { file, offset, why }
}

/// Reads consecutive BER elements from a slice whose first byte is at `base` in the file.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    file: LdsFile,
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `data`, which starts at absolute offset `base`.
    pub fn new(file: LdsFile, data: &'a [u8], base: usize) -> Self {
        Self {
            file,
            data,
            pos: 0,
            base,
        }
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Absolute offset of the next byte.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// The bytes not yet read.
    pub fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }

    /// Reads the next element.
    pub fn read(&mut self) -> Result<Tlv<'a>> {
        let (tlv, len) = parse_at(self.file, self.data, self.pos, self.base, 0)?;
        self.pos += len;
        Ok(tlv)
    }

    /// Reads the next element and checks its tag.
    pub fn expect(&mut self, tag: u32, why: &'static str) -> Result<Tlv<'a>> {
        let at = self.offset();
        if self.is_empty() {
            return Err(malformed(self.file, at, why));
        }
        let t = self.read()?;
        if t.tag == tag {
            Ok(t)
        } else {
            Err(malformed(self.file, at, why))
        }
    }

    /// Reads the next element if it has this tag.
    pub fn optional(&mut self, tag: u32) -> Result<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(tag) {
            self.read().map(Some)
        } else {
            Ok(None)
        }
    }

    /// The tag of the next element, if one can be read.
    pub fn peek_tag(&self) -> Option<u32> {
        parse_at(self.file, self.data, self.pos, self.base, 0)
            .ok()
            .map(|(t, _)| t.tag)
    }

    /// Fails unless every byte has been read.
    pub fn finish(&self, why: &'static str) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(malformed(self.file, self.offset(), why))
        }
    }

    /// Reads every remaining element.
    pub fn all(mut self) -> Result<Vec<Tlv<'a>>> {
        let mut out = Vec::new();
        while !self.is_empty() {
            out.push(self.read()?);
        }
        Ok(out)
    }
}

/// Parses the element at `data[pos..]`; returns it and its encoded length.
fn parse_at<'a>(
    file: LdsFile,
    data: &'a [u8],
    pos: usize,
    base: usize,
    depth: usize,
) -> Result<(Tlv<'a>, usize)> {
    let at = |i: usize| base + i;
    let byte = |i: usize, why: &'static str| -> Result<u8> {
        data.get(i).copied().ok_or(malformed(file, at(i), why))
    };
    let first = byte(pos, "truncated: an element was expected")?;
    let constructed = first & 0x20 != 0;
    let mut tag = u32::from(first);
    let mut i = pos + 1;
    if first & 0x1F == 0x1F {
        // High tag number form (X.690 §8.1.2.4): base-128 continuation bytes. Three of them
        // reach tag number 2^21, far above anything ICAO or ISO 39794 uses.
        loop {
            let b = byte(i, "truncated tag")?;
            if i - pos > 3 {
                return Err(malformed(file, at(pos), "tag longer than 4 bytes"));
            }
            tag = (tag << 8) | u32::from(b);
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let len_at = i;
    let l = byte(i, "truncated length")?;
    i += 1;
    let (value, value_start, end) = match l {
        0x80 => {
            // Indefinite length (X.690 §8.1.3.6): constructed only; the contents run to the
            // end-of-contents octets 00 00, found by reading the children.
            if !constructed {
                return Err(malformed(
                    file,
                    at(len_at),
                    "indefinite length on a primitive element",
                ));
            }
            if depth >= MAX_DEPTH {
                return Err(malformed(file, at(pos), "elements nested too deeply"));
            }
            let mut j = i;
            loop {
                match (data.get(j), data.get(j + 1)) {
                    (Some(0), Some(0)) => break,
                    (None, _) | (Some(_), None) => {
                        return Err(malformed(
                            file,
                            at(j),
                            "indefinite length without end-of-contents",
                        ));
                    }
                    _ => {
                        let (_, n) = parse_at(file, data, j, base, depth + 1)?;
                        j += n;
                    }
                }
            }
            (&data[i..j], i, j + 2)
        }
        0x00..=0x7F => {
            let len = usize::from(l);
            (checked_value(file, data, i, len, base, len_at)?, i, i + len)
        }
        0x81..=0x84 => {
            let n = usize::from(l & 0x7F);
            let mut len = 0usize;
            for k in 0..n {
                len = (len << 8) | usize::from(byte(i + k, "truncated length")?);
            }
            i += n;
            (checked_value(file, data, i, len, base, len_at)?, i, i + len)
        }
        _ => {
            return Err(malformed(
                file,
                at(len_at),
                "length field of more than 4 bytes or reserved",
            ));
        }
    };
    Ok((
        Tlv {
            tag,
            constructed,
            value,
            raw: &data[pos..end],
            offset: at(pos),
            value_offset: at(value_start),
        },
        end - pos,
    ))
}

/// The contents `data[start..start + len]`, or an error at the length field when the length
/// runs past the enclosing element (the length is never used to allocate).
fn checked_value(
    file: LdsFile,
    data: &[u8],
    start: usize,
    len: usize,
    base: usize,
    len_at: usize,
) -> Result<&[u8]> {
    start
        .checked_add(len)
        .and_then(|end| data.get(start..end))
        .ok_or(malformed(
            file,
            base + len_at,
            "length beyond the end of the enclosing data",
        ))
}

/// Concatenates the contents of an OCTET STRING, primitive or constructed (X.690 §8.7.3,
/// BER only). The result is never longer than the input.
pub(crate) fn octet_string(file: LdsFile, t: &Tlv<'_>, depth: usize) -> Result<Vec<u8>> {
    if t.tag == 0x04 {
        return Ok(t.value.to_vec());
    }
    if t.tag != 0x24 {
        return Err(t.err(file, "an OCTET STRING was expected"));
    }
    if depth >= MAX_DEPTH {
        return Err(t.err(file, "elements nested too deeply"));
    }
    let mut out = Vec::new();
    for seg in t.children(file).all()? {
        out.extend(octet_string(file, &seg, depth + 1)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: LdsFile = LdsFile::Sod;

    fn one(b: &[u8]) -> Result<Tlv<'_>> {
        Reader::new(F, b, 0).read()
    }

    #[test]
    fn definite_and_indefinite() {
        let t = one(&[0x30, 0x03, 0x02, 0x01, 0x05]).unwrap();
        assert_eq!((t.tag, t.value.len(), t.raw.len()), (0x30, 3, 5));
        let t = one(&[0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0xAA]).unwrap();
        assert_eq!((t.value, t.raw.len()), (&[0x02, 0x01, 0x05][..], 7));
        let t = one(&[0x7F, 0x61, 0x81, 0x01, 0x00]).unwrap();
        assert_eq!((t.tag, t.value_offset), (0x7F61, 4));
    }

    #[test]
    fn bad_lengths_are_errors_with_offsets() {
        let e = one(&[0x30, 0x05, 0x02]).unwrap_err();
        assert!(matches!(e, Error::MalformedFile { offset: 1, .. }), "{e:?}");
        let e = one(&[0x30, 0x85, 1, 2, 3, 4, 5]).unwrap_err();
        assert!(matches!(e, Error::MalformedFile { offset: 1, .. }), "{e:?}");
        let e = one(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]).unwrap_err();
        assert!(matches!(e, Error::MalformedFile { offset: 1, .. }), "{e:?}");
        assert!(one(&[0x04, 0x80, 0x00, 0x00]).is_err());
        assert!(one(&[0x30, 0x80, 0x02, 0x01]).is_err());
        assert!(one(&[]).is_err());
        assert!(one(&[0x1F, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00]).is_err());
    }

    #[test]
    fn deep_indefinite_nesting_is_refused() {
        let mut b = Vec::new();
        for _ in 0..100 {
            b.extend([0x30, 0x80]);
        }
        for _ in 0..100 {
            b.extend([0x00, 0x00]);
        }
        assert!(one(&b).is_err());
    }

    #[test]
    fn constructed_octet_string() {
        let b = [
            0x24, 0x80, 0x04, 0x01, 0xAA, 0x04, 0x02, 0xBB, 0xCC, 0x00, 0x00,
        ];
        let t = one(&b).unwrap();
        assert_eq!(octet_string(F, &t, 0).unwrap(), vec![0xAA, 0xBB, 0xCC]);
    }

    #[test]
    fn unsigned_integers() {
        assert_eq!(uint_of(&[0x00, 0x80]), Some(128));
        assert_eq!(uint_of(&[0x80]), None);
        assert_eq!(uint_of(&[]), None);
        assert_eq!(uint_of(&[0; 12]), Some(0));
    }
}
