use apdu::{Command, Response, StatusWord};

/// A card the simulator can serve: it is powered, reset, and answers command APDUs.
pub trait SimCard: Send {
    /// The ATR the reader reports.
    fn atr(&self) -> Vec<u8>;
    /// Power on (the field comes up): volatile state starts afresh.
    fn power_on(&mut self);
    /// Power off (the field goes away).
    fn power_off(&mut self);
    /// Warm reset.
    fn reset(&mut self) {
        self.power_off();
        self.power_on();
    }
    /// Answers one command APDU with a response APDU (data + SW1 SW2).
    fn process(&mut self, command: &[u8]) -> Vec<u8>;
}

/// A transaction straight to a simulated card, in the same process: for unit tests, counts and
/// the demo, where no pcscd is involved.
pub struct InProcess<'a, C: SimCard + ?Sized>(pub &'a mut C);

impl<C: SimCard + ?Sized> apdu::CardTransaction for InProcess<'_, C> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, apdu::TransportError> {
        Ok(self.0.process(command))
    }
}

/// The largest data field the simulator sends in one response: the vpcd protocol frames a
/// message with a 2-byte length, so data plus status word must fit in 65535 bytes.
pub const MAX_RESPONSE_DATA: usize = 65_535 - 2;

/// Who may read a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileAccess {
    /// Anyone (EF.CardAccess).
    #[default]
    Free,
    /// Only inside a secure-messaging session (BAC or PACE): the LDS data groups.
    SecureMessaging,
    /// Only after terminal authentication, which the simulator does not offer (DG3).
    TerminalAuthentication,
}

/// A transparent elementary file.
#[derive(Debug, Clone)]
pub struct ElementaryFile {
    /// File identifier.
    pub fid: u16,
    /// Short file identifier (1..=30), when the file has one.
    pub sfi: Option<u8>,
    /// Contents.
    pub data: Vec<u8>,
    /// Who may read it.
    pub access: FileAccess,
}

impl ElementaryFile {
    /// A file anyone may read.
    pub fn free(fid: u16, sfi: u8, data: Vec<u8>) -> Self {
        Self {
            fid,
            sfi: Some(sfi),
            data,
            access: FileAccess::Free,
        }
    }

    /// A file readable under secure messaging only.
    pub fn protected(fid: u16, sfi: u8, data: Vec<u8>) -> Self {
        Self {
            fid,
            sfi: Some(sfi),
            data,
            access: FileAccess::SecureMessaging,
        }
    }
}

/// An application (a DF selected by name) and its files.
#[derive(Debug, Clone)]
pub struct Application {
    /// The application identifier.
    pub aid: Vec<u8>,
    /// Its elementary files.
    pub files: Vec<ElementaryFile>,
}

/// Behaviour switches of the simulated card.
#[derive(Debug, Clone)]
pub struct CardOptions {
    /// Accept extended-length APDUs (otherwise answer 6700 to them).
    pub extended_length: bool,
    /// Answer `SELECT MF` with 6D00, as the CCCD does.
    pub refuse_select_mf: bool,
    /// The historical bytes of the contactless ATR.
    pub historical_bytes: Vec<u8>,
    /// The UID returned by `FF CA 00 00 00`.
    pub uid: Vec<u8>,
    /// Answer 6700 to a READ BINARY asking for more than this many bytes.
    pub max_read: Option<usize>,
    /// Answer 6Cxx (with the length it would return, at most 256) to a READ BINARY whose Le is
    /// anything else.
    pub exact_le: bool,
    /// The most data one response carries (lower than [`MAX_RESPONSE_DATA`] when secure
    /// messaging must still wrap it).
    pub response_cap: usize,
    /// The most data one response to a short command carries: 256 (ISO/IEC 7816-4 §5.1), less
    /// when secure messaging must still wrap it. The length `exact_le` announces in `6Cxx`,
    /// which a terminal sends again as a short Le.
    pub short_response_cap: usize,
}

impl Default for CardOptions {
    fn default() -> Self {
        Self {
            extended_length: true,
            refuse_select_mf: true,
            // Type B form: 4 bytes application data, 3 bytes protocol info, MBLI/CID byte.
            historical_bytes: vec![0x00, 0x00, 0x00, 0x00, 0x00, 0x81, 0x81, 0x71],
            uid: vec![0x08, 0x4E, 0x21, 0xC7],
            max_read: None,
            exact_le: false,
            response_cap: MAX_RESPONSE_DATA,
            short_response_cap: 256,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Df {
    Master,
    App(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ef {
    Master(usize),
    App(usize, usize),
}

/// A card with an ISO/IEC 7816-4 file system: EFs at the master file and applications
/// selected by AID, transparent files read with READ BINARY.
#[derive(Debug, Clone)]
pub struct Iso7816Card {
    options: CardOptions,
    mf_files: Vec<ElementaryFile>,
    apps: Vec<Application>,
    df: Df,
    ef: Option<Ef>,
    secure: bool,
}

impl Iso7816Card {
    /// A card with master-file EFs and applications.
    pub fn new(
        options: CardOptions,
        mf_files: Vec<ElementaryFile>,
        apps: Vec<Application>,
    ) -> Self {
        Self {
            options,
            mf_files,
            apps,
            df: Df::Master,
            ef: None,
            secure: false,
        }
    }

    /// The card's options.
    pub fn options(&self) -> &CardOptions {
        &self.options
    }

    /// Mutable options (to change behaviour between sessions).
    pub fn options_mut(&mut self) -> &mut CardOptions {
        &mut self.options
    }

    /// The AIDs of the card's applications.
    pub fn aids(&self) -> Vec<Vec<u8>> {
        self.apps.iter().map(|a| a.aid.clone()).collect()
    }

    /// The contents of a file, looked up by FID in an application (or the MF when `aid` is
    /// `None`).
    pub fn file(&self, aid: Option<&[u8]>, fid: u16) -> Option<&[u8]> {
        let files = match aid {
            None => &self.mf_files,
            Some(aid) => &self.apps.iter().find(|a| a.aid == aid)?.files,
        };
        files
            .iter()
            .find(|f| f.fid == fid)
            .map(|f| f.data.as_slice())
    }

    /// Processes one decoded command received inside a secure-messaging session (`secure`) or
    /// not: files that need secure messaging are only readable in the first case.
    pub fn process_with_access(&mut self, cmd: &Command, secure: bool) -> Response {
        self.secure = secure;
        let r = self.process_command(cmd);
        self.secure = false;
        r
    }

    /// Replaces the contents of a file of an application (or of the MF when `aid` is `None`).
    pub fn set_file(&mut self, aid: Option<&[u8]>, file: ElementaryFile) {
        let files = match aid {
            None => &mut self.mf_files,
            Some(aid) => match self.apps.iter_mut().find(|a| a.aid == aid) {
                Some(a) => &mut a.files,
                None => return,
            },
        };
        match files.iter_mut().find(|f| f.fid == file.fid) {
            Some(f) => *f = file,
            None => files.push(file),
        }
    }

    /// Removes a file.
    pub fn remove_file(&mut self, aid: Option<&[u8]>, fid: u16) {
        let files = match aid {
            None => &mut self.mf_files,
            Some(aid) => match self.apps.iter_mut().find(|a| a.aid == aid) {
                Some(a) => &mut a.files,
                None => return,
            },
        };
        files.retain(|f| f.fid != fid);
    }

    /// Processes one decoded command outside secure messaging (ISO/IEC 7816-4 §11: SELECT,
    /// READ BINARY).
    pub fn process_command(&mut self, cmd: &Command) -> Response {
        if cmd.is_extended() && !self.options.extended_length {
            return Response::status(StatusWord::WRONG_LENGTH);
        }
        match (cmd.cla, cmd.ins) {
            (0xFF, 0xCA) => self.get_uid(cmd),
            (0xFF, _) => Response::status(StatusWord::INS_NOT_SUPPORTED),
            (cla, _) if cla & 0xF0 != 0x00 => Response::status(StatusWord::CLA_NOT_SUPPORTED),
            (_, 0xA4) => self.select(cmd),
            (_, 0xB0) => self.read_binary(cmd),
            (_, 0xB1) => self.read_binary_odd(cmd),
            _ => Response::status(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    fn get_uid(&self, cmd: &Command) -> Response {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return Response::status(StatusWord::WRONG_PARAMETERS);
        }
        let uid = &self.options.uid;
        match cmd.ne() {
            Some(ne) if ne < 256 && ne < uid.len() => {
                Response::status(StatusWord::from_bytes(0x6C, uid.len() as u8))
            }
            _ => Response::new(uid.clone(), StatusWord::SUCCESS),
        }
    }

    fn select(&mut self, cmd: &Command) -> Response {
        let data = cmd.data();
        match cmd.p1 {
            0x04 => match self.apps.iter().position(|a| a.aid == data) {
                Some(i) => {
                    self.df = Df::App(i);
                    self.ef = None;
                    if cmd.p2 & 0x0C == 0x0C {
                        Response::status(StatusWord::SUCCESS)
                    } else {
                        // FCI: 6F { 84 DF name }.
                        let mut fci = vec![0x6F, (data.len() + 2) as u8, 0x84, data.len() as u8];
                        fci.extend_from_slice(data);
                        Response::new(fci, StatusWord::SUCCESS)
                    }
                }
                None => Response::status(StatusWord::FILE_NOT_FOUND),
            },
            0x00 | 0x02 => {
                let [hi, lo] = data else {
                    return Response::status(StatusWord::WRONG_DATA);
                };
                let fid = u16::from_be_bytes([*hi, *lo]);
                if fid == 0x3F00 || (cmd.p1 == 0x00 && data.is_empty()) {
                    if self.options.refuse_select_mf {
                        return Response::status(StatusWord::INS_NOT_SUPPORTED);
                    }
                    self.df = Df::Master;
                    self.ef = None;
                    return Response::status(StatusWord::SUCCESS);
                }
                match self.find_fid(fid) {
                    Some(ef) => {
                        self.ef = Some(ef);
                        Response::status(StatusWord::SUCCESS)
                    }
                    None => Response::status(StatusWord::FILE_NOT_FOUND),
                }
            }
            _ => Response::status(StatusWord::WRONG_P1P2),
        }
    }

    /// An EF of the current DF; EFs of the MF are reachable from an application too, as on
    /// eMRTDs (EF.CardAccess is read before and after the application is selected).
    fn find_fid(&self, fid: u16) -> Option<Ef> {
        if let Df::App(a) = self.df
            && let Some(i) = self.apps[a].files.iter().position(|f| f.fid == fid)
        {
            return Some(Ef::App(a, i));
        }
        self.mf_files
            .iter()
            .position(|f| f.fid == fid)
            .map(Ef::Master)
    }

    fn find_sfi(&self, sfi: u8) -> Option<Ef> {
        if let Df::App(a) = self.df
            && let Some(i) = self.apps[a].files.iter().position(|f| f.sfi == Some(sfi))
        {
            return Some(Ef::App(a, i));
        }
        self.mf_files
            .iter()
            .position(|f| f.sfi == Some(sfi))
            .map(Ef::Master)
    }

    fn ef_file(&self, ef: Ef) -> &ElementaryFile {
        match ef {
            Ef::Master(i) => &self.mf_files[i],
            Ef::App(a, i) => &self.apps[a].files[i],
        }
    }

    fn ef_data(&self, ef: Ef) -> &[u8] {
        &self.ef_file(ef).data
    }

    /// 6982 when the file may not be read now.
    fn check_access(&self, ef: Ef) -> Result<(), StatusWord> {
        match self.ef_file(ef).access {
            FileAccess::Free => Ok(()),
            FileAccess::SecureMessaging if self.secure => Ok(()),
            _ => Err(StatusWord::SECURITY_STATUS_NOT_SATISFIED),
        }
    }

    /// READ BINARY, even INS (§11.3.3): offset in P1-P2 (15 bits), or SFI in P1 (bit 8 set)
    /// with an 8-bit offset in P2.
    fn read_binary(&mut self, cmd: &Command) -> Response {
        let (ef, offset) = if cmd.p1 & 0x80 != 0 {
            if cmd.p1 & 0x60 != 0 {
                return Response::status(StatusWord::WRONG_P1P2);
            }
            match self.find_sfi(cmd.p1 & 0x1F) {
                Some(ef) => {
                    self.ef = Some(ef);
                    (ef, cmd.p2 as usize)
                }
                None => return Response::status(StatusWord::FILE_NOT_FOUND),
            }
        } else {
            match self.ef {
                Some(ef) => (ef, u16::from_be_bytes([cmd.p1, cmd.p2]) as usize),
                None => return Response::status(StatusWord::COMMAND_NOT_ALLOWED),
            }
        };
        let room = self.options.response_cap.min(MAX_RESPONSE_DATA);
        match self.slice(ef, offset, cmd.ne(), room) {
            Ok((data, sw)) => Response::new(data, sw),
            Err(sw) => Response::status(sw),
        }
    }

    /// READ BINARY, odd INS (§11.3.3): the offset travels in a DO'54 in the data field, so it
    /// can exceed 32767; the data comes back in a DO'53.
    fn read_binary_odd(&mut self, cmd: &Command) -> Response {
        let ef = if cmd.p1 == 0 && cmd.p2 == 0 {
            self.ef
        } else if cmd.p1 == 0 && cmd.p2 & 0xE0 == 0 && cmd.p2 != 0 {
            self.find_sfi(cmd.p2 & 0x1F)
        } else {
            self.find_fid(u16::from_be_bytes([cmd.p1, cmd.p2]))
        };
        let Some(ef) = ef else {
            return Response::status(StatusWord::FILE_NOT_FOUND);
        };
        self.ef = Some(ef);
        let offset = match cmd.data() {
            [0x54, n, rest @ ..] if *n as usize == rest.len() && (1..=3).contains(n) => {
                rest.iter().fold(0usize, |a, b| (a << 8) | *b as usize)
            }
            _ => return Response::status(StatusWord::WRONG_DATA),
        };
        // The DO'53 header takes up to 4 bytes of the response, and the whole DO must fit what
        // the command asked for and what one response may carry.
        let ne = cmd.ne().map(|n| n.saturating_sub(4).max(1));
        let budget = cmd
            .ne()
            .unwrap_or(256)
            .min(self.options.response_cap)
            .min(MAX_RESPONSE_DATA);
        let room = (budget.saturating_sub(4)..=budget)
            .rev()
            .find(|d| 1 + crate::der::length(*d).len() + d <= budget)
            .unwrap_or(0);
        let ne = if self.options.exact_le {
            Some(
                self.ef_data(ef)
                    .len()
                    .saturating_sub(offset)
                    .min(self.options.short_response_cap)
                    .min(room),
            )
        } else {
            ne
        };
        match self.slice(ef, offset, ne, room) {
            Ok((data, sw)) => Response::new(asn1::tlv(0x53, &data), sw),
            Err(sw) => Response::status(sw),
        }
    }

    /// The bytes of `ef` from `offset` that a READ BINARY asking for `ne` gets, at most `room`
    /// (what one response may carry: ISO/IEC 7816-4 §5.1 gives a short Le at most 256 bytes, and
    /// secure messaging must still wrap them), with the status word.
    fn slice(
        &self,
        ef: Ef,
        offset: usize,
        ne: Option<usize>,
        room: usize,
    ) -> Result<(Vec<u8>, StatusWord), StatusWord> {
        self.check_access(ef)?;
        let data = self.ef_data(ef);
        if offset > data.len() || (offset == data.len() && !data.is_empty()) {
            return Err(StatusWord::WRONG_PARAMETERS);
        }
        let available = data.len() - offset;
        if let (Some(max), Some(ne)) = (self.options.max_read, ne)
            && ne > max
        {
            return Err(StatusWord::WRONG_LENGTH);
        }
        if self.options.exact_le {
            let exact = available.min(self.options.short_response_cap).min(room);
            if ne != Some(exact) {
                return Err(StatusWord::from_bytes(0x6C, (exact % 256) as u8));
            }
        }
        let want = ne.unwrap_or(256).min(room);
        let n = want.min(available);
        let sw = if n < want && ne.is_some_and(|ne| ne < 65_536 && ne != 256) {
            StatusWord::END_OF_FILE
        } else {
            StatusWord::SUCCESS
        };
        Ok((data[offset..offset + n].to_vec(), sw))
    }
}

impl SimCard for Iso7816Card {
    fn atr(&self) -> Vec<u8> {
        crate::contactless_atr(&self.options.historical_bytes)
    }

    fn power_on(&mut self) {
        self.df = Df::Master;
        self.ef = None;
    }

    fn power_off(&mut self) {
        self.df = Df::Master;
        self.ef = None;
    }

    fn process(&mut self, command: &[u8]) -> Vec<u8> {
        match Command::from_bytes(command) {
            Ok(cmd) => self.process_command(&cmd).to_bytes(),
            Err(_) => StatusWord::WRONG_LENGTH.to_bytes().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apdu::{CardTransaction, ExchangeExt, TransportError};

    struct Direct<'a>(&'a mut Iso7816Card);
    impl CardTransaction for Direct<'_> {
        fn transmit(&mut self, c: &[u8]) -> Result<Vec<u8>, TransportError> {
            Ok(self.0.process(c))
        }
    }

    fn card() -> Iso7816Card {
        let big: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        Iso7816Card::new(
            CardOptions::default(),
            vec![ElementaryFile::free(
                0x011C,
                0x1C,
                vec![0x31, 0x02, 0xAA, 0xBB],
            )],
            vec![Application {
                aid: hex::decode("A0000002471001").unwrap(),
                files: vec![
                    ElementaryFile::free(0x011E, 0x1E, (0..100).collect()),
                    ElementaryFile::free(0x0102, 0x02, big),
                    ElementaryFile::protected(0x0101, 0x01, vec![0x61, 0x01, 0x00]),
                ],
            }],
        )
    }

    fn run(card: &mut Iso7816Card, hex_cmd: &str) -> String {
        hex::encode_upper(card.process(&hex::decode(hex_cmd).unwrap()))
    }

    #[test]
    fn select_and_read() {
        let mut c = card();
        assert_eq!(
            run(&mut c, "00A4000C023F00"),
            "6D00",
            "SELECT MF is refused like on the CCCD"
        );
        assert_eq!(
            run(&mut c, "00B09C0004"),
            "3102AABB9000",
            "EF.CardAccess by SFI from the MF"
        );
        assert_eq!(run(&mut c, "00A4040C07A0000002471002"), "6A82");
        assert_eq!(run(&mut c, "00A4040C07A0000002471001"), "9000");
        assert_eq!(
            run(&mut c, "00A4040007A0000002471001"),
            "6F098407A00000024710019000"
        );
        assert_eq!(run(&mut c, "00B0000004"), "6986", "no current EF");
        assert_eq!(run(&mut c, "00A4020C02011E"), "9000");
        assert_eq!(run(&mut c, "00B0000004"), "000102039000");
        assert_eq!(run(&mut c, "00B0006004"), "606162639000");
        assert_eq!(
            run(&mut c, "00B0006008"),
            "606162636282",
            "short file end: 6282"
        );
        assert_eq!(run(&mut c, "00B0006400"), "6B00", "offset at the end");
        assert_eq!(run(&mut c, "00B09E0002"), "00019000");
        assert_eq!(
            run(&mut c, "00A4020C02011C"),
            "9000",
            "MF EF reachable from the application"
        );
        assert_eq!(run(&mut c, "00A4020C020199"), "6A82");
        assert_eq!(run(&mut c, "00CA000000"), "6D00");
        assert_eq!(run(&mut c, "80B0000001"), "6E00");
        assert_eq!(run(&mut c, "FFCA000000"), "084E21C79000");
        assert_eq!(run(&mut c, "FFCA000002"), "6C04");
    }

    #[test]
    fn extended_and_odd_reads() {
        let mut c = card();
        let mut tx = Direct(&mut c);
        assert!(
            tx.exchange(
                &Command::new(0, 0xA4, 4, 0x0C).with_data(hex::decode("A0000002471001").unwrap())
            )
            .unwrap()
            .is_success()
        );
        let r = tx
            .exchange(&Command::new(0, 0xB0, 0x82, 0).with_ne(65_536))
            .unwrap();
        assert_eq!(r.data.len(), 40_000);
        assert!(r.is_success());
        // Odd INS: offset 35000 > 32767, in a DO'54.
        let r = tx
            .exchange(
                &Command::new(0, 0xB1, 0, 0)
                    .with_data(vec![0x54, 0x02, 0x88, 0xB8])
                    .with_ne(104),
            )
            .unwrap();
        assert!(r.is_success());
        assert_eq!(&r.data[..2], &[0x53, 100]);
        assert_eq!(r.data[2], (35_000u32 % 251) as u8);
        let r = tx
            .exchange(
                &Command::new(0, 0xB1, 0, 0)
                    .with_data(vec![0x54, 0x03, 0x00, 0x9C, 0x3F])
                    .with_ne(65_536),
            )
            .unwrap();
        assert_eq!(r.data, vec![0x53, 0x01, (39_999u32 % 251) as u8]);
    }

    #[test]
    fn protected_files_need_secure_messaging() {
        let mut c = card();
        run(&mut c, "00A4040C07A0000002471001");
        assert_eq!(run(&mut c, "00B0810000"), "6982");
        let r = c.process_with_access(
            &Command::from_bytes(&hex::decode("00B0810000").unwrap()).unwrap(),
            true,
        );
        assert_eq!(r.to_bytes(), vec![0x61, 0x01, 0x00, 0x90, 0x00]);
    }

    #[test]
    fn quirk_options() {
        let mut c = card();
        run(&mut c, "00A4040C07A0000002471001");
        c.options_mut().max_read = Some(100);
        assert_eq!(run(&mut c, "00B09E0065"), "6700");
        assert_eq!(run(&mut c, "00B09E0064").len(), 2 * 100 + 4);
        c.options_mut().max_read = None;
        c.options_mut().exact_le = true;
        assert_eq!(run(&mut c, "00B09E0000"), "6C64", "100 bytes left: 6C64");
        assert_eq!(run(&mut c, "00B0005000"), "6C14");
        assert_eq!(
            run(&mut c, "00B0005014"),
            format!("{}9000", hex::encode_upper((80..100).collect::<Vec<u8>>()))
        );
        assert_eq!(
            run(&mut c, "00B0820010"),
            "6C00",
            "a big file: 256 at a time"
        );
    }

    #[test]
    fn short_only_card_refuses_extended() {
        let mut c = card();
        c.options_mut().extended_length = false;
        assert_eq!(run(&mut c, "00B09E00000100"), "6700");
    }

    #[test]
    fn responses_fit_the_vpcd_frame() {
        let data = vec![7u8; 70_000];
        let mut c = Iso7816Card::new(
            CardOptions::default(),
            vec![ElementaryFile::free(0x0101, 1, data)],
            vec![],
        );
        let out = c.process(&[0, 0xB0, 0x81, 0, 0, 0, 0]);
        assert_eq!(out.len(), 65_535);
        assert_eq!(&out[out.len() - 2..], &[0x90, 0x00]);
    }

    #[test]
    fn garbage_never_panics() {
        let mut c = card();
        for len in 0..12 {
            for seed in 0..64u8 {
                let cmd: Vec<u8> = (0..len)
                    .map(|i| seed.wrapping_mul(31).wrapping_add(i as u8 * 17))
                    .collect();
                let r = c.process(&cmd);
                assert!(r.len() >= 2);
            }
        }
    }
}
