//! Reading the LDS's elementary files with the fewest round trips (ICAO 9303-10 §4, ISO/IEC
//! 7816-4 §11.3.3), through any [`CardTransaction`] — plain or secure messaging alike.
//!
//! The strategy:
//! - the first READ BINARY of a file addresses it by short file identifier (`P1 = 80 | SFI`),
//!   which selects it without a separate SELECT; if the card refuses SFI addressing, SELECT by
//!   file identifier is used from then on;
//! - the file's length comes from the TLV header in its first bytes, so the reads that follow
//!   ask for exactly what is left;
//! - extended length (Le up to 65536) is used while the reader and card accept it: the first
//!   read with an extended Le is the probe, and its outcome is remembered for the card;
//!   otherwise short reads of 0xDF bytes, the largest whose secure-messaging response still fits
//!   a short response APDU;
//! - `6700` (wrong length): drop extended length, then halve the short read size;
//!   `6Cxx` (wrong Le): the length the card gives (handled by [`apdu::exchange`]);
//!   `6282` (end of file): stop; offsets above 32767 use the odd-INS READ BINARY (`B1`) with the
//!   offset in a DO'54.
//!
//! Every decision is logged at `debug`, never with file contents.

use apdu::{
    ApduError, CardTransaction, Command, ExchangeExt, LengthEncoding, StatusWord, TransportError,
};
use asn1::ber::{HeaderError, decode_header};

use crate::Error;

/// An elementary file of the LDS (ICAO 9303-10 §4.6, Table 37).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LdsFile {
    /// EF.CardAccess (master file; PACE and other SecurityInfos).
    CardAccess,
    /// EF.COM (LDS version and data-group list).
    Com,
    /// EF.SOD (document security object).
    Sod,
    /// Data group 1 to 16.
    Dg(u8),
}

impl LdsFile {
    /// File identifier.
    pub fn fid(self) -> u16 {
        match self {
            Self::CardAccess => 0x011C,
            Self::Com => 0x011E,
            Self::Sod => 0x011D,
            Self::Dg(n) => 0x0100 | u16::from(n),
        }
    }

    /// Short file identifier.
    pub fn sfi(self) -> u8 {
        match self {
            Self::CardAccess => 0x1C,
            Self::Com => 0x1E,
            Self::Sod => 0x1D,
            Self::Dg(n) => n,
        }
    }

    /// The name used in messages: `EF.COM`, `EF.SOD`, `DG13`...
    pub fn name(self) -> &'static str {
        const DG: [&str; 16] = [
            "DG1", "DG2", "DG3", "DG4", "DG5", "DG6", "DG7", "DG8", "DG9", "DG10", "DG11", "DG12",
            "DG13", "DG14", "DG15", "DG16",
        ];
        match self {
            Self::CardAccess => "EF.CardAccess",
            Self::Com => "EF.COM",
            Self::Sod => "EF.SOD",
            Self::Dg(n) => DG
                .get(usize::from(n).wrapping_sub(1))
                .copied()
                .unwrap_or("DG?"),
        }
    }

    /// The short lowercase name used on the command line: `com`, `sod`, `dg1`, `cardaccess`.
    pub fn short_name(self) -> String {
        match self {
            Self::CardAccess => "cardaccess".into(),
            Self::Com => "com".into(),
            Self::Sod => "sod".into(),
            Self::Dg(n) => format!("dg{n}"),
        }
    }

    /// The conventional dump file name: `EF_COM.bin`, `EF_SOD.bin`, `EF_DG1.bin`...
    pub fn file_name(self) -> String {
        match self {
            Self::CardAccess => "EF_CardAccess.bin".into(),
            Self::Com => "EF_COM.bin".into(),
            Self::Sod => "EF_SOD.bin".into(),
            Self::Dg(n) => format!("EF_DG{n}.bin"),
        }
    }

    /// Parses a short name (`com`, `sod`, `dg1`..`dg16`, `cardaccess`), ignoring case.
    pub fn parse(name: &str) -> Option<Self> {
        let n = name.trim().to_ascii_lowercase();
        match n.as_str() {
            "com" => Some(Self::Com),
            "sod" => Some(Self::Sod),
            "cardaccess" => Some(Self::CardAccess),
            _ => n
                .strip_prefix("dg")
                .and_then(|d| d.parse::<u8>().ok())
                .filter(|d| (1..=16).contains(d))
                .map(Self::Dg),
        }
    }

    /// The data-group number, for data groups.
    pub fn dg_number(self) -> Option<u8> {
        match self {
            Self::Dg(n) => Some(n),
            _ => None,
        }
    }
}

/// The largest short READ BINARY (ISO/IEC 7816-4 §5.1: `Le = 00` asks for 256 bytes).
pub const MAX_SHORT_READ: usize = 256;

/// What the reading strategy may use.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Try extended-length reads (false for readers known to drop them).
    pub allow_extended: bool,
    /// The largest short read the reader allows ([`MAX_SHORT_READ`] unless a reader's quirk
    /// says less). Under secure messaging the reader also keeps to what fits the cipher
    /// ([`crate::sm::largest_short_read`]: 223 bytes under AES, 231 under 3DES).
    pub short_chunk: usize,
    /// The EF.CardAccess to assume when the chip gives none (a country's published one, which
    /// the caller knows and this crate does not): PACE is then tried with its parameters
    /// before BAC, and only with a CAN.
    pub assumed_card_access: Option<&'static [u8]>,
    /// The longest file accepted; a card announcing more (in the file's TLV header) is stopped
    /// before it is read, so it cannot hold the reader with a huge file.
    pub limits: FileLimits,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            allow_extended: true,
            short_chunk: MAX_SHORT_READ,
            assumed_card_access: None,
            limits: FileLimits::default(),
        }
    }
}

/// The longest file of each kind a read accepts. The LDS sets no maximum (ICAO 9303-10 §4.6
/// allows lengths up to 2^24); these keep a read bounded: a CCCD's files are a few hundred
/// bytes, its photo about 20 KB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLimits {
    /// EF.COM, EF.SOD and every data group but DG2 (default 64 KiB).
    pub file: usize,
    /// DG2, the face image (default 1 MiB).
    pub photo: usize,
    /// EF.CardAccess (default 4 KiB).
    pub card_access: usize,
}

impl Default for FileLimits {
    fn default() -> Self {
        Self {
            file: 64 * 1024,
            photo: 1024 * 1024,
            card_access: 4 * 1024,
        }
    }
}

impl FileLimits {
    /// The limit for `file`.
    pub fn of(&self, file: LdsFile) -> usize {
        match file {
            LdsFile::Dg(2) => self.photo,
            LdsFile::CardAccess => self.card_access,
            _ => self.file,
        }
    }
}

/// What the strategy did, for reports and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadCounts {
    /// READ BINARY commands sent (retries included).
    pub reads: u64,
    /// SELECT commands sent (when SFI addressing was refused).
    pub selects: u64,
    /// Plain file bytes obtained.
    pub bytes: u64,
}

/// The file-reading strategy for one card. It remembers what it learned about the reader and
/// card (extended length, SFI addressing, a working short read size) across files.
#[derive(Debug, Clone)]
pub struct FileReader {
    extended: Option<bool>,
    sfi: bool,
    /// The short read size: the reader's largest, halved on `6700`.
    chunk: usize,
    /// What the secure-messaging session's cipher allows (`None` before secure messaging).
    session_limit: Option<usize>,
    limits: FileLimits,
    counts: ReadCounts,
}

/// The most an extended Le asks for.
const EXTENDED_NE: usize = 65_536;
/// Highest offset P1-P2 of the even READ BINARY can carry.
const MAX_EVEN_OFFSET: usize = 0x7FFF;
/// Room for the DO'53 header in an odd READ BINARY response.
const DO53_HEADER: usize = 4;

impl FileReader {
    /// A strategy with these options; nothing known about the card yet.
    pub fn new(options: ReadOptions) -> Self {
        Self {
            extended: if options.allow_extended {
                None
            } else {
                Some(false)
            },
            sfi: true,
            chunk: options.short_chunk.clamp(1, MAX_SHORT_READ),
            session_limit: None,
            limits: options.limits,
            counts: ReadCounts::default(),
        }
    }

    /// Keeps short reads within what a protected response can carry under the session's
    /// cipher (`None`: no secure messaging).
    pub fn set_session_limit(&mut self, limit: Option<usize>) {
        self.session_limit = limit;
    }

    /// Whether extended length works: `None` until probed.
    pub fn extended_length(&self) -> Option<bool> {
        self.extended
    }

    /// The short read size in use.
    pub fn short_chunk(&self) -> usize {
        self.session_limit.map_or(self.chunk, |l| self.chunk.min(l))
    }

    /// The counts so far.
    pub fn counts(&self) -> ReadCounts {
        self.counts
    }

    /// Reads a whole file.
    ///
    /// Errors: [`Error::CardRefused`] with the file's name as the step for status words such as
    /// `6A82` (no such file) and `6982` (access denied: the file needs terminal authentication);
    /// [`Error::Malformed`] when the file does not start with a valid TLV header or ends before
    /// its header says; transport and secure-messaging failures as they come.
    pub fn read_file(
        &mut self,
        tx: &mut (impl CardTransaction + ?Sized),
        file: LdsFile,
    ) -> Result<Vec<u8>, Error> {
        let mut data: Vec<u8> = Vec::new();
        let mut total: Option<usize> = None;
        let mut selected = false;
        loop {
            let offset = data.len();
            if total.is_some_and(|t| offset >= t) {
                break;
            }
            if offset == 0 && !self.sfi && !selected {
                self.select(tx, file)?;
                selected = true;
            }
            let wanted = total.map_or(usize::MAX, |t| t - offset);
            let extended = self.extended != Some(false);
            let ne = if extended {
                wanted.min(EXTENDED_NE)
            } else {
                wanted.min(self.short_chunk())
            };
            let by_sfi = offset == 0 && self.sfi && !selected;
            let odd = offset > MAX_EVEN_OFFSET;
            let cmd = if by_sfi {
                read_binary_sfi(file.sfi(), ne)
            } else if odd {
                read_binary_odd(
                    offset,
                    (ne + DO53_HEADER).min(if extended { EXTENDED_NE } else { 256 }),
                )
            } else {
                read_binary(offset, ne)
            };
            let cmd = if extended {
                cmd
            } else {
                cmd.with_encoding(LengthEncoding::Short)
            };
            self.counts.reads += 1;
            let response = match tx.exchange(&cmd) {
                Ok(r) => r,
                Err(ApduError::Transport(TransportError::CommandTooLong(_)))
                    if extended && self.extended.is_none() =>
                {
                    tracing::debug!(
                        file = file.name(),
                        "the reader refused an extended APDU; using short reads"
                    );
                    self.extended = Some(false);
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let sw = response.sw;
            match sw {
                StatusWord::SUCCESS | StatusWord::END_OF_FILE => {
                    let chunk = if odd {
                        unwrap_do53(&response.data)?
                    } else {
                        response.data
                    };
                    if extended && self.extended.is_none() && ne > 256 {
                        tracing::debug!(
                            file = file.name(),
                            "extended length works; remembered for this card"
                        );
                        self.extended = Some(true);
                    }
                    if chunk.is_empty() {
                        if total.is_none() && offset > 0 {
                            break;
                        }
                        return Err(Error::Malformed {
                            what: file.name(),
                            why: "the card returned no data",
                        });
                    }
                    data.extend_from_slice(&chunk);
                    self.counts.bytes += chunk.len() as u64;
                    if total.is_none() {
                        match decode_header(&data) {
                            Ok(h) if h.total_len() > self.limits.of(file) => {
                                return Err(Error::FileTooLong {
                                    file: file.name(),
                                    length: h.total_len(),
                                    limit: self.limits.of(file),
                                });
                            }
                            Ok(h) => {
                                total = Some(h.total_len());
                                tracing::debug!(
                                    file = file.name(),
                                    length = h.total_len(),
                                    "file length from its TLV header"
                                );
                            }
                            Err(HeaderError::Incomplete { .. }) => {}
                            Err(_) => {
                                return Err(Error::Malformed {
                                    what: file.name(),
                                    why: "the file does not start with a valid TLV header",
                                });
                            }
                        }
                    }
                    if sw == StatusWord::END_OF_FILE {
                        tracing::debug!(file = file.name(), "6282: end of file reached");
                        break;
                    }
                }
                StatusWord::WRONG_LENGTH if extended => {
                    tracing::debug!(
                        file = file.name(),
                        "6700 to an extended Le: using short reads"
                    );
                    self.extended = Some(false);
                }
                StatusWord::WRONG_LENGTH if self.short_chunk() > 1 => {
                    self.chunk = self.short_chunk() / 2;
                    tracing::debug!(
                        file = file.name(),
                        chunk = self.chunk,
                        "6700: halving the read size"
                    );
                }
                StatusWord::WRONG_PARAMETERS if offset > 0 && total.is_none() => break,
                sw if by_sfi && sfi_refused(sw) => {
                    tracing::debug!(file = file.name(), %sw, "SFI addressing refused; selecting by file identifier");
                    self.sfi = false;
                    self.select(tx, file)?;
                    selected = true;
                }
                // "Not found" by SFI may be the chip not mapping this file to its SFI (seen for
                // EF.CardAccess): one SELECT by file identifier tells; only its refusal means
                // the file is not there.
                StatusWord::FILE_NOT_FOUND if by_sfi => {
                    tracing::debug!(
                        file = file.name(),
                        "6A82 by SFI; selecting by file identifier"
                    );
                    self.select(tx, file)?;
                    selected = true;
                }
                sw => {
                    return Err(Error::CardRefused {
                        step: file.name(),
                        sw,
                    });
                }
            }
        }
        match total {
            Some(t) if data.len() < t => Err(Error::Malformed {
                what: file.name(),
                why: "the file ends before the length its header gives",
            }),
            Some(t) => {
                data.truncate(t);
                Ok(data)
            }
            None => Err(Error::Malformed {
                what: file.name(),
                why: "the file ends inside its TLV header",
            }),
        }
    }

    fn select(
        &mut self,
        tx: &mut (impl CardTransaction + ?Sized),
        file: LdsFile,
    ) -> Result<(), Error> {
        self.counts.selects += 1;
        let r = tx.exchange(&select_ef(file.fid()))?;
        if r.is_success() {
            Ok(())
        } else {
            Err(Error::CardRefused {
                step: file.name(),
                sw: r.sw,
            })
        }
    }
}

/// Status words with which a card says it does not do SFI addressing (rather than "no such file").
fn sfi_refused(sw: StatusWord) -> bool {
    matches!(sw.0, 0x6A86 | 0x6A81 | 0x6B00 | 0x6981 | 0x6986 | 0x6D00)
}

/// SELECT EF by file identifier, no response data (ISO/IEC 7816-4 §11.2.2: `00 A4 02 0C`).
pub fn select_ef(fid: u16) -> Command {
    Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(fid.to_be_bytes().to_vec())
}

/// READ BINARY of the EF with short file identifier `sfi` from offset 0 (ISO/IEC 7816-4
/// §11.3.3: `P1 = 100xxxxx`), which also makes it the current EF.
pub fn read_binary_sfi(sfi: u8, ne: usize) -> Command {
    Command::new(0x00, 0xB0, 0x80 | (sfi & 0x1F), 0x00).with_ne(ne)
}

/// READ BINARY of the current EF at a 15-bit offset (ISO/IEC 7816-4 §11.3.3).
pub fn read_binary(offset: usize, ne: usize) -> Command {
    let o = (offset & MAX_EVEN_OFFSET) as u16;
    Command::new(0x00, 0xB0, (o >> 8) as u8, o as u8).with_ne(ne)
}

/// READ BINARY with odd INS of the current EF (ISO/IEC 7816-4 §11.3.3): the offset travels in
/// a DO'54, so it can exceed 32767 (ICAO 9303-10 §4.6 for data groups larger than 32 KiB).
pub fn read_binary_odd(offset: usize, ne: usize) -> Command {
    let bytes = (offset as u32).to_be_bytes();
    let skip = bytes.iter().take(3).take_while(|b| **b == 0).count();
    let mut data = vec![0x54, (4 - skip) as u8];
    data.extend_from_slice(&bytes[skip..]);
    Command::new(0x00, 0xB1, 0x00, 0x00)
        .with_data(data)
        .with_ne(ne)
}

/// The contents of the DO'53 an odd READ BINARY answers with.
fn unwrap_do53(data: &[u8]) -> Result<Vec<u8>, Error> {
    let bad = Error::Malformed {
        what: "READ BINARY (odd INS) response",
        why: "not a DO'53",
    };
    match decode_header(data) {
        Ok(h) if h.tag == 0x53 && h.total_len() <= data.len() => {
            Ok(data[h.header_len..h.total_len()].to_vec())
        }
        _ => Err(bad),
    }
}

#[cfg(test)]
mod tests;
