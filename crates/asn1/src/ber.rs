//! The bounded BER reader (ITU-T X.690 §8.1; ISO/IEC 7816-4 §5.2 for BER-TLV data objects).
//!
//! Guarantees, whatever the input: no panic, no allocation (elements are slices of the input),
//! no recursion deeper than [`MAX_DEPTH`] (indefinite lengths are resolved by reading the
//! children), and no length trusted beyond the bytes that remain in the enclosing element.
//! Every element knows its absolute offset, so errors point at the faulty byte.

/// Deepest nesting of indefinite-length elements accepted while looking for their end (and of
/// constructed OCTET STRING segments). Real files nest fewer than 12 levels; the limit keeps
/// hostile input from exhausting the stack.
pub const MAX_DEPTH: usize = 32;

/// Why bytes are not valid BER: what was wrong, and the absolute offset of the faulty byte.
/// The text never holds input bytes (they may be personal data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{why} at byte {offset}")]
pub struct Error {
    /// Absolute offset of the faulty element or byte.
    pub offset: usize,
    /// What is wrong, in a few words.
    pub why: &'static str,
}

/// The result type of the reader.
pub type Result<T> = std::result::Result<T, Error>;

/// How an element's length was encoded (X.690 §8.1.3), which tells DER framing from BER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthForm {
    /// One byte, 0 to 127 (the DER form for such lengths).
    Short,
    /// `8n` followed by n bytes; `minimal` when DER would write it so (no leading zero byte, and
    /// a length that needs the long form).
    Long {
        /// Whether DER would encode this length the same way.
        minimal: bool,
    },
    /// `80` ... `00 00` (BER only, constructed elements only).
    Indefinite,
}

/// One element, borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag bytes as a big-endian number (`0x30`, `0x7F61`, `0x5F1F`...).
    pub tag: u32,
    /// Bit 6 of the first tag byte.
    pub constructed: bool,
    /// The contents (without the end-of-contents octets of an indefinite length).
    pub value: &'a [u8],
    /// The whole encoding: tag, length, contents (and end-of-contents when indefinite).
    pub raw: &'a [u8],
    /// Absolute offset of the tag.
    pub offset: usize,
    /// Absolute offset of the contents.
    pub value_offset: usize,
    /// How the length was encoded.
    pub length_form: LengthForm,
    tag_len: usize,
}

impl<'a> Tlv<'a> {
    /// A reader over the contents of this element.
    pub fn children(&self) -> Reader<'a> {
        Reader::new(self.value, self.value_offset)
    }

    /// The tag bytes as received.
    pub fn tag_bytes(&self) -> &'a [u8] {
        self.raw.get(..self.tag_len).unwrap_or_default()
    }

    /// An error at this element.
    pub fn err(&self, why: &'static str) -> Error {
        Error {
            offset: self.offset,
            why,
        }
    }

    /// A non-negative INTEGER's value, if this is an INTEGER that fits in 64 bits.
    pub fn uint(&self) -> Option<u64> {
        if self.tag != 0x02 {
            return None;
        }
        uint_of(self.value)
    }

    /// The contents of an OCTET STRING, primitive (`04`) or constructed (`24`, BER only: the
    /// segments' contents joined, X.690 §8.7.3). Never longer than the input.
    pub fn octet_string(&self) -> Result<Vec<u8>> {
        self.octet_string_at(0)
    }

    /// Whether this element is framed as DER requires (X.690 §10.1, §10.2): definite lengths
    /// in their shortest form and no constructed strings, in it and every element inside it.
    /// (Contents such as SET OF order are not checked.)
    pub fn is_der_framed(&self) -> bool {
        self.der_framed_at(0)
    }

    fn der_framed_at(&self, depth: usize) -> bool {
        let framing = matches!(
            self.length_form,
            LengthForm::Short | LengthForm::Long { minimal: true }
        );
        // Constructed OCTET STRING, BIT STRING and the character strings (BER only).
        let constructed_string = self.constructed
            && matches!(
                self.tag,
                0x23 | 0x24 | 0x2C | 0x33 | 0x34 | 0x36 | 0x3A | 0x3C | 0x3E
            );
        if !framing || constructed_string {
            return false;
        }
        if !self.constructed {
            return true;
        }
        depth < MAX_DEPTH
            && self
                .children()
                .all()
                .is_ok_and(|kids| kids.iter().all(|k| k.der_framed_at(depth + 1)))
    }

    fn octet_string_at(&self, depth: usize) -> Result<Vec<u8>> {
        match self.tag {
            0x04 => Ok(self.value.to_vec()),
            0x24 if depth < MAX_DEPTH => {
                let mut out = Vec::new();
                for seg in self.children().all()? {
                    out.extend(seg.octet_string_at(depth + 1)?);
                }
                Ok(out)
            }
            0x24 => Err(self.err("elements nested too deeply")),
            _ => Err(self.err("an OCTET STRING was expected")),
        }
    }
}

/// The value of non-negative INTEGER contents (two's complement, big-endian) that fit 64 bits;
/// leading zero bytes are allowed, a negative or empty value is not.
pub fn uint_of(v: &[u8]) -> Option<u64> {
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

/// Reads consecutive elements from a slice whose first byte is at absolute offset `base`.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `data`, which starts at absolute offset `base` of the whole input.
    pub fn new(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
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

    /// An error at the next byte.
    pub fn err(&self, why: &'static str) -> Error {
        Error {
            offset: self.offset(),
            why,
        }
    }

    /// Reads the next element.
    pub fn read(&mut self) -> Result<Tlv<'a>> {
        let tlv = parse_at(self.data, self.pos, self.base, 0)?;
        self.pos += tlv.raw.len();
        Ok(tlv)
    }

    /// Reads the next element and checks its tag; `why` is the error when it is missing or has
    /// another tag.
    pub fn expect(&mut self, tag: u32, why: &'static str) -> Result<Tlv<'a>> {
        if self.is_empty() {
            return Err(self.err(why));
        }
        let at = self.offset();
        let t = self.read()?;
        if t.tag == tag {
            Ok(t)
        } else {
            Err(Error { offset: at, why })
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
        parse_at(self.data, self.pos, self.base, 0)
            .ok()
            .map(|t| t.tag)
    }

    /// Fails with `why` unless every byte has been read.
    pub fn finish(&self, why: &'static str) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.err(why))
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

/// Reads exactly one element spanning all of `input` (offsets from 0).
pub fn parse_one(input: &[u8]) -> Result<Tlv<'_>> {
    let mut r = Reader::new(input, 0);
    let t = r.read()?;
    r.finish("trailing data after the element")?;
    Ok(t)
}

/// Parses the element at `data[pos..]`.
fn parse_at(data: &[u8], pos: usize, base: usize, depth: usize) -> Result<Tlv<'_>> {
    let at = |i: usize| base + i;
    let byte = |i: usize, why: &'static str| -> Result<u8> {
        data.get(i).copied().ok_or(Error { offset: at(i), why })
    };
    let first = byte(pos, "truncated: an element was expected")?;
    let constructed = first & 0x20 != 0;
    let mut tag = u32::from(first);
    let mut i = pos + 1;
    if first & 0x1F == 0x1F {
        // High tag number form (X.690 §8.1.2.4): base-128 continuation bytes. Three of them
        // reach tag number 2^21, far above anything ICAO, ISO 39794 or X.509 uses.
        loop {
            let b = byte(i, "truncated tag")?;
            if i - pos > 3 {
                return Err(Error {
                    offset: at(pos),
                    why: "tag longer than 4 bytes",
                });
            }
            tag = (tag << 8) | u32::from(b);
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let tag_len = i - pos;
    let len_at = i;
    let l = byte(i, "truncated length")?;
    i += 1;
    let (value_start, value_end, end, length_form) = match l {
        0x80 => {
            // Indefinite length (X.690 §8.1.3.6): constructed only; the contents run to the
            // end-of-contents octets 00 00, found by reading the children.
            if !constructed {
                return Err(Error {
                    offset: at(len_at),
                    why: "indefinite length on a primitive element",
                });
            }
            if depth >= MAX_DEPTH {
                return Err(Error {
                    offset: at(pos),
                    why: "elements nested too deeply",
                });
            }
            let mut j = i;
            loop {
                match (data.get(j), data.get(j + 1)) {
                    (Some(0), Some(0)) => break,
                    (None, _) | (Some(_), None) => {
                        return Err(Error {
                            offset: at(j),
                            why: "indefinite length without end-of-contents",
                        });
                    }
                    _ => j += parse_at(data, j, base, depth + 1)?.raw.len(),
                }
            }
            (i, j, j + 2, LengthForm::Indefinite)
        }
        0x00..=0x7F => {
            let len = usize::from(l);
            (
                i,
                checked_end(data, i, len, at(len_at))?,
                i + len,
                LengthForm::Short,
            )
        }
        0x81..=0x84 => {
            let n = usize::from(l & 0x7F);
            let mut len = 0usize;
            for k in 0..n {
                len = (len << 8) | usize::from(byte(i + k, "truncated length")?);
            }
            let leading_zero = data.get(i) == Some(&0);
            let minimal = !leading_zero && len >= 0x80;
            i += n;
            let end = checked_end(data, i, len, at(len_at))?;
            (i, end, end, LengthForm::Long { minimal })
        }
        _ => {
            return Err(Error {
                offset: at(len_at),
                why: "length field of more than 4 bytes or reserved",
            });
        }
    };
    Ok(Tlv {
        tag,
        constructed,
        value: &data[value_start..value_end],
        raw: &data[pos..end],
        offset: at(pos),
        value_offset: at(value_start),
        length_form,
        tag_len,
    })
}

/// The end of the contents `start..start + len`, or an error at the length field when the
/// length runs past the enclosing element (the length is never used to allocate).
fn checked_end(data: &[u8], start: usize, len: usize, len_at: usize) -> Result<usize> {
    start
        .checked_add(len)
        .filter(|end| *end <= data.len())
        .ok_or(Error {
            offset: len_at,
            why: "length beyond the end of the enclosing data",
        })
}

/// The header of a BER-TLV object with a definite length: tag and value length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The tag as a big-endian number of its 1 to 3 bytes.
    pub tag: u32,
    /// Number of bytes taken by tag and length fields.
    pub header_len: usize,
    /// Length of the value field.
    pub value_len: usize,
}

impl Header {
    /// Total size of the object: header plus value.
    pub fn total_len(&self) -> usize {
        self.header_len + self.value_len
    }
}

/// Why a TLV header could not be decoded from the first bytes of an object.
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// More bytes are needed to finish the header.
    #[error("TLV header incomplete: {needed} bytes needed")]
    Incomplete {
        /// How many bytes the header needs at least.
        needed: usize,
    },
    /// The header is not valid BER-TLV (tag longer than 3 bytes, indefinite or over-long length).
    #[error("invalid TLV header at byte {0}")]
    Invalid(usize),
}

/// Decodes the header of the BER-TLV object at the start of `bytes`, which may hold only the
/// object's first bytes: how file reading learns a file's length before reading it in full.
/// Definite lengths only (ICAO 9303-10 §4.6 forbids the indefinite form in the LDS's files).
pub fn decode_header(bytes: &[u8]) -> std::result::Result<Header, HeaderError> {
    let first = *bytes.first().ok_or(HeaderError::Incomplete { needed: 2 })?;
    let mut tag = u32::from(first);
    let mut i = 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = *bytes
                .get(i)
                .ok_or(HeaderError::Incomplete { needed: i + 2 })?;
            tag = (tag << 8) | u32::from(b);
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i >= 3 {
                return Err(HeaderError::Invalid(i));
            }
        }
    }
    let l = *bytes
        .get(i)
        .ok_or(HeaderError::Incomplete { needed: i + 1 })?;
    i += 1;
    let value_len = match l {
        0..=0x7F => usize::from(l),
        0x81..=0x84 => {
            let n = usize::from(l & 0x7F);
            let len_bytes = bytes
                .get(i..i + n)
                .ok_or(HeaderError::Incomplete { needed: i + n })?;
            i += n;
            len_bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        }
        _ => return Err(HeaderError::Invalid(i - 1)),
    };
    Ok(Header {
        tag,
        header_len: i,
        value_len,
    })
}

#[cfg(test)]
mod tests;
