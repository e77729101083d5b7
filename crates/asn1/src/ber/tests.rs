#![allow(clippy::unwrap_used)]
use super::*;
use crate::write::{push_tlv, tlv};
use proptest::prelude::*;

fn one(b: &[u8]) -> Result<Tlv<'_>> {
    Reader::new(b, 0).read()
}

#[test]
fn definite_and_indefinite() {
    let t = one(&[0x30, 0x03, 0x02, 0x01, 0x05]).unwrap();
    assert_eq!((t.tag, t.value.len(), t.raw.len()), (0x30, 3, 5));
    assert_eq!(t.length_form, LengthForm::Short);
    let t = one(&[0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0xAA]).unwrap();
    assert_eq!((t.value, t.raw.len()), (&[0x02, 0x01, 0x05][..], 7));
    assert_eq!(t.length_form, LengthForm::Indefinite);
    let t = one(&[0x7F, 0x61, 0x81, 0x01, 0x00]).unwrap();
    assert_eq!(
        (t.tag, t.value_offset, t.tag_bytes()),
        (0x7F61, 4, &[0x7F, 0x61][..])
    );
    assert_eq!(t.length_form, LengthForm::Long { minimal: false });
    let long = [vec![0x04, 0x81, 0x80], vec![0; 0x80]].concat();
    assert_eq!(
        one(&long).unwrap().length_form,
        LengthForm::Long { minimal: true }
    );
    let padded = [vec![0x04, 0x82, 0x00, 0x80], vec![0; 0x80]].concat();
    assert_eq!(
        one(&padded).unwrap().length_form,
        LengthForm::Long { minimal: false }
    );
}

#[test]
fn bad_lengths_are_errors_with_offsets() {
    let e = one(&[0x30, 0x05, 0x02]).unwrap_err();
    assert_eq!(e.offset, 1, "{e:?}");
    let e = one(&[0x30, 0x85, 1, 2, 3, 4, 5]).unwrap_err();
    assert_eq!(e.offset, 1, "{e:?}");
    let e = one(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]).unwrap_err();
    assert_eq!(e.offset, 1, "{e:?}");
    assert!(one(&[0x04, 0x80, 0x00, 0x00]).is_err());
    assert!(one(&[0x30, 0x80, 0x02, 0x01]).is_err());
    assert!(one(&[]).is_err());
    assert!(one(&[0x1F, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00]).is_err());
    // Offsets are absolute: a reader over a slice that starts at 100.
    let e = Reader::new(&[0x30, 0x05, 0x02], 100).read().unwrap_err();
    assert_eq!(e.offset, 101);
    assert_eq!(
        e.to_string(),
        "length beyond the end of the enclosing data at byte 101"
    );
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
    // Within the limit it is fine.
    let mut b = Vec::new();
    for _ in 0..MAX_DEPTH {
        b.extend([0x30, 0x80]);
    }
    for _ in 0..MAX_DEPTH {
        b.extend([0x00, 0x00]);
    }
    assert_eq!(one(&b).unwrap().raw.len(), b.len());
}

#[test]
fn constructed_octet_string() {
    let b = [
        0x24, 0x80, 0x04, 0x01, 0xAA, 0x04, 0x02, 0xBB, 0xCC, 0x00, 0x00,
    ];
    assert_eq!(
        one(&b).unwrap().octet_string().unwrap(),
        vec![0xAA, 0xBB, 0xCC]
    );
    assert!(one(&[0x02, 0x01, 0x00]).unwrap().octet_string().is_err());
}

#[test]
fn reader_navigation() {
    let data = [
        tlv(0x02, &[1]),
        tlv(0x04, &[2, 3]),
        tlv(0x30, &tlv(0x05, &[])),
    ]
    .concat();
    let mut r = Reader::new(&data, 0);
    assert_eq!(r.peek_tag(), Some(0x02));
    assert_eq!(r.expect(0x02, "version").unwrap().uint(), Some(1));
    assert_eq!(r.optional(0x02).unwrap(), None);
    assert_eq!(r.optional(0x04).unwrap().unwrap().value, &[2, 3]);
    assert_eq!(r.expect(0x02, "an INTEGER").unwrap_err().why, "an INTEGER");
    let mut r = Reader::new(&data, 0);
    let all = r.clone().all().unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].children().all().unwrap()[0].tag, 0x05);
    assert!(r.finish("leftover").is_err());
    for _ in 0..3 {
        r.read().unwrap();
    }
    assert!(r.finish("leftover").is_ok());
    assert_eq!(r.expect(0x02, "missing").unwrap_err().why, "missing");
    assert!(parse_one(&data).is_err(), "three elements are not one");
    assert!(parse_one(&data[..3]).is_ok());
}

#[test]
fn unsigned_integers() {
    assert_eq!(uint_of(&[0x00, 0x80]), Some(128));
    assert_eq!(uint_of(&[0x80]), None);
    assert_eq!(uint_of(&[]), None);
    assert_eq!(uint_of(&[0; 12]), Some(0));
    assert_eq!(uint_of(&[0x01, 0, 0, 0, 0, 0, 0, 0, 0]), None);
}

#[test]
fn headers() {
    assert_eq!(
        decode_header(&[0x60, 0x16]),
        Ok(Header {
            tag: 0x60,
            header_len: 2,
            value_len: 0x16
        })
    );
    assert_eq!(
        decode_header(&[0x77, 0x82, 0x07, 0xD0, 0x30]),
        Ok(Header {
            tag: 0x77,
            header_len: 4,
            value_len: 2000
        })
    );
    assert_eq!(
        decode_header(&[0x5F, 0x1F, 0x81, 0x90]),
        Ok(Header {
            tag: 0x5F1F,
            header_len: 4,
            value_len: 0x90
        })
    );
    assert_eq!(
        decode_header(&[0x7F, 0x61, 0x83, 0x01, 0x00, 0x00]).map(|h| h.total_len()),
        Ok(6 + 65_536)
    );
    assert_eq!(
        decode_header(&[0x77, 0x82, 0x07]),
        Err(HeaderError::Incomplete { needed: 4 })
    );
    assert_eq!(
        decode_header(&[]),
        Err(HeaderError::Incomplete { needed: 2 })
    );
    assert_eq!(decode_header(&[0x30, 0x80]), Err(HeaderError::Invalid(1)));
    assert_eq!(
        decode_header(&[0x5F, 0x81, 0x81, 0x81, 0x01]),
        Err(HeaderError::Invalid(3))
    );
}

#[test]
fn encoded_objects_decode_to_their_own_header() {
    for (len, length_field) in [
        (0, vec![0x00]),
        (0x7F, vec![0x7F]),
        (0x80, vec![0x81, 0x80]),
        (0xFF, vec![0x81, 0xFF]),
        (0x100, vec![0x82, 0x01, 0x00]),
        (0xFFFF, vec![0x82, 0xFF, 0xFF]),
        (0x1_0000, vec![0x83, 0x01, 0x00, 0x00]),
    ] {
        let value = vec![0xA5; len];
        let one_object = tlv(0x53, &value);
        assert_eq!(
            one_object[1..1 + length_field.len()],
            length_field[..],
            "{len}"
        );
        let h = decode_header(&one_object).unwrap();
        assert_eq!(
            (h.tag, h.value_len, h.total_len()),
            (0x53, len, one_object.len())
        );
        let t = parse_one(&one_object).unwrap();
        assert_eq!((t.tag, t.value), (0x53, &value[..]));
        assert!(matches!(
            t.length_form,
            LengthForm::Short | LengthForm::Long { minimal: true }
        ));
        let mut two = vec![0xEE];
        push_tlv(&mut two, &[0x7F, 0x49], &value);
        assert_eq!(two[0], 0xEE, "appends");
        let h = decode_header(&two[1..]).unwrap();
        assert_eq!(
            (h.tag, h.value_len, h.total_len()),
            (0x7F49, len, two.len() - 1)
        );
        assert_eq!(&two[two.len() - len..], &value[..]);
    }
}

proptest! {
    /// Whatever the bytes: no panic, and every element read lies inside the input, its raw
    /// bytes starting at its offset and its value inside its raw bytes.
    #[test]
    fn arbitrary_bytes_never_escape_the_input(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut r = Reader::new(&bytes, 0);
        while let Ok(t) = r.read() {
            prop_assert_eq!(&bytes[t.offset..t.offset + t.raw.len()], t.raw);
            prop_assert!(t.value_offset >= t.offset && t.value_offset + t.value.len() <= t.offset + t.raw.len());
            let _ = t.children().all();
            let _ = t.octet_string();
            if r.is_empty() { break; }
        }
        let _ = decode_header(&bytes);
    }

    /// What the writer encodes, the reader and the header decoder read back.
    #[test]
    fn written_objects_read_back(tag in prop_oneof![Just(vec![0x04u8]), Just(vec![0x5F, 0x1F]), Just(vec![0x7F, 0x61])],
                                 value in proptest::collection::vec(any::<u8>(), 0..700)) {
        let mut out = Vec::new();
        push_tlv(&mut out, &tag, &value);
        let t = parse_one(&out).unwrap();
        prop_assert_eq!(t.value, &value[..]);
        prop_assert_eq!(t.tag_bytes(), &tag[..]);
        prop_assert_eq!(decode_header(&out).unwrap().total_len(), out.len());
    }
}
