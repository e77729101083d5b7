//! The file-reading strategy against transcripts: one extended read or short reads following
//! the header, the fallbacks on 6700, 6Cxx and a refused SFI, the odd instruction beyond offset
//! 32767, and errors naming the file.

use super::*;
use apdu::Transcript;

fn file(len: usize) -> Vec<u8> {
    // A TLV of tag 77 whose total length is `len`.
    let v = len - 4;
    let mut f = vec![0x77, 0x82, (v >> 8) as u8, v as u8];
    f.extend((0..v).map(|i| (i % 251) as u8));
    f
}

/// A reader under an AES secure-messaging session: short reads of at most 223 bytes.
fn under_aes(options: ReadOptions) -> FileReader {
    let mut r = FileReader::new(options);
    r.set_session_limit(Some(crate::sm::largest_short_read(crate::Cipher::Aes128)));
    r
}

fn hx(b: &[u8]) -> String {
    hex::encode_upper(b)
}

#[test]
fn names() {
    assert_eq!(LdsFile::parse("DG13"), Some(LdsFile::Dg(13)));
    assert_eq!(LdsFile::parse("sod"), Some(LdsFile::Sod));
    assert_eq!(LdsFile::parse("dg17"), None);
    assert_eq!(LdsFile::Dg(13).name(), "DG13");
    assert_eq!(LdsFile::Dg(2).file_name(), "EF_DG2.bin");
    assert_eq!(LdsFile::Com.fid(), 0x011E);
    assert_eq!(LdsFile::Dg(15).sfi(), 0x0F);
    assert_eq!(
        hx(&read_binary_odd(35_000, 104).to_bytes().unwrap()),
        "00B1000004540288B868"
    );
}

#[test]
fn one_extended_read_per_file() {
    let f = file(2000);
    let mut t = Transcript::new(vec![(
        hex::decode("00B09D00000000").unwrap(),
        [f.clone(), vec![0x90, 0x00]].concat(),
    )]);
    let mut r = under_aes(ReadOptions::default());
    assert_eq!(r.read_file(&mut t, LdsFile::Sod).unwrap(), f);
    assert_eq!(r.extended_length(), Some(true));
    t.finish().unwrap();
}

#[test]
fn short_reads_follow_the_header() {
    let f = file(500);
    let mut steps = vec![(
        hex::decode("00B09D00DF").unwrap(),
        [f[..223].to_vec(), vec![0x90, 0x00]].concat(),
    )];
    steps.push((
        hex::decode("00B000DFDF").unwrap(),
        [f[223..446].to_vec(), vec![0x90, 0x00]].concat(),
    ));
    steps.push((
        hex::decode("00B001BE36").unwrap(),
        [f[446..].to_vec(), vec![0x90, 0x00]].concat(),
    ));
    let mut t = Transcript::new(steps);
    let mut r = under_aes(ReadOptions {
        allow_extended: false,
        ..ReadOptions::default()
    });
    assert_eq!(r.read_file(&mut t, LdsFile::Sod).unwrap(), f);
    assert_eq!(
        r.counts(),
        ReadCounts {
            reads: 3,
            selects: 0,
            bytes: 500
        }
    );
    t.finish().unwrap();
}

#[test]
fn small_file_ends_with_6282() {
    let com = hex::decode("60145F0104303130375F36063034303030305C026175").unwrap();
    let mut t = Transcript::new(vec![(
        hex::decode("00B09E00DF").unwrap(),
        [com.clone(), vec![0x62, 0x82]].concat(),
    )]);
    let mut r = under_aes(ReadOptions {
        allow_extended: false,
        ..ReadOptions::default()
    });
    assert_eq!(r.read_file(&mut t, LdsFile::Com).unwrap(), com);
    t.finish().unwrap();
}

#[test]
fn wrong_length_drops_extended_then_halves() {
    let f = file(300);
    let mut t = Transcript::new(vec![
        (hex::decode("00B09D00000000").unwrap(), vec![0x67, 0x00]),
        (hex::decode("00B09D00DF").unwrap(), vec![0x67, 0x00]),
        (
            hex::decode("00B09D006F").unwrap(),
            [f[..111].to_vec(), vec![0x90, 0x00]].concat(),
        ),
        (
            hex::decode("00B0006F6F").unwrap(),
            [f[111..222].to_vec(), vec![0x90, 0x00]].concat(),
        ),
        (
            hex::decode("00B000DE4E").unwrap(),
            [f[222..].to_vec(), vec![0x90, 0x00]].concat(),
        ),
    ]);
    let mut r = under_aes(ReadOptions::default());
    assert_eq!(r.read_file(&mut t, LdsFile::Sod).unwrap(), f);
    assert_eq!((r.extended_length(), r.short_chunk()), (Some(false), 111));
    t.finish().unwrap();
}

#[test]
fn wrong_le_uses_the_cards_length() {
    let com = file(30);
    let mut t = Transcript::new(vec![
        (hex::decode("00B09E00DF").unwrap(), vec![0x6C, 30]),
        (
            hex::decode("00B09E001E").unwrap(),
            [com.clone(), vec![0x90, 0x00]].concat(),
        ),
    ]);
    let mut r = under_aes(ReadOptions {
        allow_extended: false,
        ..ReadOptions::default()
    });
    assert_eq!(r.read_file(&mut t, LdsFile::Com).unwrap(), com);
    t.finish().unwrap();
}

#[test]
fn refused_sfi_falls_back_to_select() {
    let f = file(40);
    let mut t = Transcript::new(vec![
        (hex::decode("00B08D00DF").unwrap(), vec![0x6A, 0x86]),
        (hex::decode("00A4020C02010D").unwrap(), vec![0x90, 0x00]),
        (
            hex::decode("00B00000DF").unwrap(),
            [f.clone(), vec![0x62, 0x82]].concat(),
        ),
        (hex::decode("00A4020C02010E").unwrap(), vec![0x90, 0x00]),
        (
            hex::decode("00B00000DF").unwrap(),
            [f.clone(), vec![0x62, 0x82]].concat(),
        ),
    ]);
    let mut r = under_aes(ReadOptions {
        allow_extended: false,
        ..ReadOptions::default()
    });
    assert_eq!(r.read_file(&mut t, LdsFile::Dg(13)).unwrap(), f);
    assert_eq!(
        r.read_file(&mut t, LdsFile::Dg(14)).unwrap(),
        f,
        "SFI refusal is remembered"
    );
    t.finish().unwrap();
}

#[test]
fn offsets_beyond_32767_use_the_odd_instruction() {
    let f = file(33_000);
    let mut steps = Vec::new();
    let mut off = 0;
    let mut first = true;
    while off < f.len() {
        let n = (f.len() - off).min(223);
        let cmd = if first {
            read_binary_sfi(2, 223)
        } else if off > 0x7FFF {
            read_binary_odd(off, n + 4)
        } else {
            read_binary(off, n)
        }
        .with_encoding(LengthEncoding::Short);
        let body = if off > 0x7FFF {
            [vec![0x53, 0x81, n as u8], f[off..off + n].to_vec()].concat()
        } else {
            f[off..off + n].to_vec()
        };
        steps.push((cmd.to_bytes().unwrap(), [body, vec![0x90, 0x00]].concat()));
        off += n;
        first = false;
    }
    let mut t = Transcript::new(steps);
    let mut r = under_aes(ReadOptions {
        allow_extended: false,
        ..ReadOptions::default()
    });
    assert_eq!(r.read_file(&mut t, LdsFile::Dg(2)).unwrap(), f);
    t.finish().unwrap();
}

#[test]
fn errors_name_the_file() {
    let mut t = Transcript::new(vec![(hex::decode("00B08300DF").unwrap(), vec![0x69, 0x82])]);
    let mut r = under_aes(ReadOptions {
        allow_extended: false,
        ..ReadOptions::default()
    });
    let e = r.read_file(&mut t, LdsFile::Dg(3)).unwrap_err();
    assert_eq!(
        e,
        Error::CardRefused {
            step: "DG3",
            sw: StatusWord(0x6982)
        }
    );
    t.finish().unwrap();
    let mut t = Transcript::new(vec![(
        hex::decode("00B09E00DF").unwrap(),
        vec![0x30, 0x80, 0x90, 0x00],
    )]);
    assert!(matches!(
        r.read_file(&mut t, LdsFile::Com),
        Err(Error::Malformed { .. })
    ));
    t.finish().unwrap();
    let mut t = Transcript::new(vec![(
        hex::decode("00B09E00DF").unwrap(),
        vec![0x60, 0x20, 0x01, 0x62, 0x82],
    )]);
    assert!(matches!(
        r.read_file(&mut t, LdsFile::Com),
        Err(Error::Malformed { .. })
    ));
    t.finish().unwrap();
}

#[test]
fn a_file_announcing_more_than_the_limit_is_not_read() {
    // A header of 2000 bytes against a limit of 1000: refused after the first READ BINARY,
    // nothing more asked.
    let f = file(2000);
    let mut t = Transcript::new(vec![(
        hex::decode("00B09D00DF").unwrap(),
        [f[..223].to_vec(), vec![0x90, 0x00]].concat(),
    )]);
    let mut r = under_aes(ReadOptions {
        allow_extended: false,
        limits: FileLimits {
            file: 1000,
            ..FileLimits::default()
        },
        ..ReadOptions::default()
    });
    assert_eq!(
        r.read_file(&mut t, LdsFile::Sod),
        Err(Error::FileTooLong {
            file: "EF.SOD",
            length: 2000,
            limit: 1000
        })
    );
    t.finish().unwrap();
    // DG2 may be larger.
    assert_eq!(FileLimits::default().of(LdsFile::Dg(2)), 1024 * 1024);
    assert_eq!(FileLimits::default().of(LdsFile::CardAccess), 4096);
}
