//! Faults at every step of a full read, in process: the card pulled before each APDU, and a
//! secure-messaging failure (a response whose MAC does not verify) at each protected APDU. Each
//! must end the read cleanly (a typed error, no panic, nothing reported as a complete read), and
//! the next read by the same `CardReader`, on the card put back, must succeed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use apdu::{CardTransaction, TransportError};
use card_sim::{CardIdentity, CccdOptions, InProcess, Profile, SimCard, VirtualCccd};
use pipeline::{
    AccessInput, CardRead, CardReader, ErrorKind, PipelineError, ReadRequest, access_keys,
};
use trust::{Certificate, CscaStore, Verdict};

fn reader() -> CardReader {
    let mut s = CscaStore::new();
    s.add(Certificate::from_der(&card_sim::pki::TestPki::new().csca_cert).unwrap());
    CardReader::for_reader("Virtual PCD 00 00").trusting(Some(Arc::new(s)))
}

fn card() -> VirtualCccd {
    Profile::default_profile()
        .unwrap()
        .build(&CccdOptions::default())
}

fn read(reader: &mut CardReader, tx: &mut impl CardTransaction) -> Result<CardRead, PipelineError> {
    let input = AccessInput::Can(CardIdentity::default_holder().can.unwrap());
    let keys = access_keys(&input).unwrap();
    reader.read(tx, &keys, &ReadRequest::full(true), &mut |_| {})
}

/// Counts the commands and, from `fail_at` on, fails or corrupts them as `fault` says.
struct Faulty<'a> {
    inner: InProcess<'a, VirtualCccd>,
    seen: usize,
    fail_at: usize,
    fault: Fault,
    /// Whether the fault was applied (a corruption applies only to a protected response).
    applied: bool,
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    /// The card leaves the field: this command and every later one fail.
    Pulled,
    /// The response's last MAC byte is flipped (only for a secure-messaging response: its
    /// command's class byte has the SM bits `0C`).
    BadMac,
}

impl CardTransaction for Faulty<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let index = self.seen;
        self.seen += 1;
        match self.fault {
            Fault::Pulled if index >= self.fail_at => {
                self.applied = true;
                Err(TransportError::CardRemoved)
            }
            Fault::BadMac if index == self.fail_at && command[0] & 0x0C == 0x0C => {
                let mut r = self.inner.transmit(command)?;
                // … 8E 08 <MAC> SW1 SW2: the MAC's last byte sits before the status word.
                let n = r.len();
                if n >= 3 {
                    r[n - 3] ^= 0x01;
                    self.applied = true;
                }
                Ok(r)
            }
            _ => self.inner.transmit(command),
        }
    }
}

/// The commands of an undisturbed full read.
fn apdus_of_a_full_read() -> usize {
    let mut card = card();
    let mut tx = Faulty {
        inner: InProcess(&mut card),
        seen: 0,
        fail_at: usize::MAX,
        fault: Fault::Pulled,
        applied: false,
    };
    let r = read(&mut reader(), &mut tx).unwrap();
    assert_eq!(r.verification.unwrap().verdict, Verdict::Genuine);
    tx.seen
}

/// Runs a read with `fault` at command `index`, then a second read by the same reader on the
/// card put back (powered up afresh, as a card entering the field is); returns the first read's
/// outcome and whether the fault was applied.
fn faulted_then_again(fault: Fault, index: usize) -> (Result<CardRead, PipelineError>, bool) {
    let mut reader = reader();
    let mut card = card();
    let (first, applied) = {
        let mut tx = Faulty {
            inner: InProcess(&mut card),
            seen: 0,
            fail_at: index,
            fault,
            applied: false,
        };
        (read(&mut reader, &mut tx), tx.applied)
    };
    card.power_off();
    card.power_on();
    let again = read(&mut reader, &mut InProcess(&mut card))
        .unwrap_or_else(|e| panic!("{fault:?} at APDU {index}: the next read failed: {e}"));
    assert_eq!(
        again.verification.unwrap().verdict,
        Verdict::Genuine,
        "{fault:?} at APDU {index}: the next read"
    );
    (first, applied)
}

#[test]
fn a_card_pulled_before_any_apdu_ends_the_read_as_card_removed() {
    let n = apdus_of_a_full_read();
    assert!(n > 10, "a full read of {n} APDUs");
    for index in 0..n {
        let (first, applied) = faulted_then_again(Fault::Pulled, index);
        assert!(applied);
        match first {
            Err(e) => assert_eq!(
                e.kind(),
                ErrorKind::CardRemoved,
                "pulled at APDU {index}: {e}"
            ),
            Ok(_) => panic!("pulled at APDU {index} of {n}: the read was reported complete"),
        }
    }
}

#[test]
fn a_bad_mac_at_any_protected_apdu_is_never_used() {
    let n = apdus_of_a_full_read();
    let mut card = card();
    let undisturbed = read(&mut reader(), &mut InProcess(&mut card)).unwrap();
    let mut protected = 0;
    for index in 0..n {
        let (first, applied) = faulted_then_again(Fault::BadMac, index);
        if !applied {
            continue;
        }
        protected += 1;
        match first {
            Err(e) => assert_eq!(
                e.kind(),
                ErrorKind::CardError,
                "bad MAC at APDU {index}: {e}"
            ),
            // The reader may open the chip again once per read and read the file anew: then
            // the files are the card's own, the forged answer is not among them, and the steps
            // say so.
            Ok(r) => {
                let v = r.verification.as_ref().expect("a verification");
                let steps: Vec<&str> = r.document.steps.iter().map(|s| s.name.as_str()).collect();
                if v.verdict == Verdict::Genuine {
                    assert_eq!(
                        r.document.files, undisturbed.document.files,
                        "bad MAC at APDU {index}: genuine with other files"
                    );
                    assert!(
                        steps.contains(&"reaccess"),
                        "bad MAC at APDU {index}: genuine without opening the chip again: {steps:?}"
                    );
                }
            }
        }
    }
    assert!(protected > 5, "only {protected} protected APDUs seen");
}

/// A man in the middle answering a bare `6A82` (no secure messaging) to the first protected
/// READ BINARY of the file with short identifier `sfi` and to the SELECT that follows it (the
/// reader's check of a "not found" by SFI). The SELECT's data is encrypted, so it is told by its
/// place: the protected SELECT right after the forged answer.
struct BareNotFound<'a> {
    inner: InProcess<'a, VirtualCccd>,
    sfi: u8,
    /// 0: waiting for the read; 1: the read answered, waiting for the SELECT; 2: done.
    stage: u8,
}

impl CardTransaction for BareNotFound<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let protected = command[0] & 0x0C == 0x0C;
        let forged = match self.stage {
            0 => protected && command[1] == 0xB0 && command[2] == 0x80 | self.sfi,
            1 => protected && command[1] == 0xA4,
            _ => false,
        };
        if forged {
            self.stage += 1;
            return Ok(vec![0x6A, 0x82]);
        }
        self.inner.transmit(command)
    }
}

#[test]
fn a_forged_bare_status_never_steers_the_verdict() {
    // DG13 (0x0D), DG14 (0x0E), DG15 (0x0F), DG2 (0x02): each answered "not found" without
    // protection by someone between the reader and the chip.
    for (sfi, want) in [
        (0x0D, Verdict::Incomplete),
        (0x0E, Verdict::CloneSuspected),
        (0x0F, Verdict::CloneSuspected),
        (0x02, Verdict::Incomplete),
    ] {
        let mut card = card();
        let mut tx = BareNotFound {
            inner: InProcess(&mut card),
            sfi,
            stage: 0,
        };
        let r = read(&mut reader(), &mut tx).unwrap();
        assert_eq!(tx.stage, 2, "SFI {sfi:02X} was read and selected");
        let (file, why) = r.document.unavailable[0];
        assert_eq!(file.short_name(), format!("dg{sfi}"));
        assert_eq!(
            why,
            icao9303::FileUnavailable::Unauthenticated(apdu::StatusWord::FILE_NOT_FOUND),
            "a bare status is a refusal, never an absence"
        );
        assert_eq!(
            r.verification.as_ref().unwrap().verdict,
            want,
            "SFI {sfi:02X}"
        );
        // The chip is opened again before the next file (DG2 is the last one).
        assert_eq!(
            r.document.steps.iter().any(|s| s.name == "reaccess"),
            sfi != 2,
            "SFI {sfi:02X}: {:?}",
            r.document.steps.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
    }
}

/// A card that answers every APDU after `delay`, counting them.
struct Slow<'a> {
    inner: InProcess<'a, VirtualCccd>,
    delay: std::time::Duration,
    sent: usize,
}

impl CardTransaction for Slow<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent += 1;
        std::thread::sleep(self.delay);
        self.inner.transmit(command)
    }
}

#[test]
fn a_read_past_its_deadline_stops_and_frees_the_reader() {
    use pipeline::ReadLimits;
    let limits = ReadLimits {
        deadline: std::time::Duration::from_millis(300),
        ..ReadLimits::default()
    };
    let mut reader = reader().limited(limits);
    let mut card = card();
    let mut slow = Slow {
        inner: InProcess(&mut card),
        delay: std::time::Duration::from_millis(40),
        sent: 0,
    };
    let e = read(&mut reader, &mut slow).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ReadTimeout, "{e}");
    assert!(e.to_string().contains("read_deadline_secs"), "{e}");
    // Stopped at the deadline: no APDU after it (at most one per 40 ms in 300 ms), so far from
    // a whole read's.
    assert!(slow.sent <= 8, "{} APDUs after the deadline", slow.sent);
    assert!(slow.sent < apdus_of_a_full_read());
    // The same reader reads the card put back at normal speed.
    card.power_off();
    card.power_on();
    let r = read(&mut reader, &mut InProcess(&mut card)).unwrap();
    assert_eq!(r.verification.unwrap().verdict, Verdict::Genuine);
}

#[test]
fn a_file_longer_than_its_limit_stops_the_read_with_the_reason() {
    use pipeline::ReadLimits;
    let mut limits = ReadLimits::default();
    // The default card's DG13 is a few hundred bytes.
    limits.files.file = 200;
    let mut card = card();
    let e = read(&mut reader().limited(limits), &mut InProcess(&mut card)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CardError);
    let text = e.to_string();
    assert!(
        text.contains("more than the 200") && text.contains("max_file_bytes"),
        "{text}"
    );
}
