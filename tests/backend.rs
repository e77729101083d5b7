//! The PC/SC backend used directly, against the virtual card in the real pcscd.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use apdu::{
    CardConnection, CardTransaction, Command, ExchangeExt, LengthEncoding, StatusWord,
    TransportError,
};
use common::*;
use icao9303::ca::ChipAuthOutcome;
use icao9303::protocol::access::establish_access;
use icao9303::read::{LdsFile, ReadOptions, read_binary_sfi};
use icao9303::{AccessKey, ActiveAuthOutcome, Can, Document, Mrz};
use pcsc_backend::{Monitor, MonitorEvent, Pcsc, ShareMode, get_uid};
use rand_core::{OsRng, TryRngCore};

fn select_emrtd() -> Command {
    Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(vec![0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01])
}

#[test]
fn transactions_reconnect_and_attributes() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let pcsc = Pcsc::establish().unwrap();
    let mut conn = pcsc.connect(&sim.reader, ShareMode::Shared).unwrap();
    assert_eq!(hex::encode_upper(conn.atr().unwrap()), sim.atr());
    // The vpcd driver provides no vendor attributes: that is a normal, empty answer.
    let attrs = conn.attributes();
    assert_eq!(attrs.vendor, None);
    {
        let mut tx = conn.begin().unwrap();
        assert_eq!(
            get_uid(&mut tx).unwrap().map(hex::encode_upper).as_deref(),
            sim.info["uid"].as_str()
        );
        assert!(tx.exchange(&select_emrtd()).unwrap().is_success());
        assert!(
            tx.exchange(&Command::new(0, 0xA4, 0x02, 0x0C).with_data(vec![0x01, 0x1C]))
                .unwrap()
                .is_success()
        );
        assert!(
            tx.exchange(&Command::new(0, 0xB0, 0, 0).with_ne(2))
                .unwrap()
                .is_success()
        );
    }
    // A reset powers the card off and on: its selection state is gone afterwards.
    conn.reconnect(true).unwrap();
    let mut tx = conn.begin().unwrap();
    assert_eq!(
        tx.exchange(&Command::new(0, 0xB0, 0, 0).with_ne(2))
            .unwrap()
            .sw,
        StatusWord::COMMAND_NOT_ALLOWED
    );
}

#[test]
fn exclusive_connections_exclude_others() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let pcsc = Pcsc::establish().unwrap();
    let _first = pcsc.connect(&sim.reader, ShareMode::Exclusive).unwrap();
    let other = Pcsc::establish().unwrap();
    assert_eq!(
        other.connect(&sim.reader, ShareMode::Shared).err(),
        Some(TransportError::SharingViolation)
    );
    let o = cccd(&["apdu", "--reader", &sim.reader, "00A4040C07A0000002471001"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("another program is using the card exclusively"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn monitor_reports_and_stops_promptly() {
    let _slots = lock_slots();
    let mut sim = Sim::start(&[]);
    let (tx, rx) = channel();
    let monitor = Monitor::start(move |e| {
        let _ = tx.send(e);
    });
    let reader = sim.reader.clone();
    let wait_for = |want: &dyn Fn(&MonitorEvent) -> bool| {
        let end = Instant::now() + DEADLINE;
        loop {
            let e = rx
                .recv_timeout(end.saturating_duration_since(Instant::now()))
                .expect("monitor event");
            if want(&e) {
                return e;
            }
        }
    };
    wait_for(&|e| matches!(e, MonitorEvent::CardInserted { reader: r, .. } if *r == reader));
    sim.send("remove");
    wait_for(&|e| matches!(e, MonitorEvent::CardRemoved { reader: r } if *r == reader));
    sim.send("insert");
    wait_for(&|e| matches!(e, MonitorEvent::CardInserted { reader: r, .. } if *r == reader));
    // Stopping cancels the blocking wait and joins the thread, which drops its callback: the
    // channel is then disconnected.
    monitor.stop();
    let _ = rx.try_iter().count();
    assert!(matches!(
        rx.recv_timeout(Duration::from_secs(1)),
        Err(RecvTimeoutError::Disconnected)
    ));
}

/// A transaction that notes the length of every response (data and status word).
struct Lengths<T> {
    inner: T,
    seen: Vec<usize>,
}

impl<T: CardTransaction> CardTransaction for Lengths<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let r = self.inner.transmit(command)?;
        self.seen.push(r.len());
        Ok(r)
    }
}

/// ISO/IEC 7816-4 §5.1: a short command gets at most 256 data bytes, under secure messaging
/// too, where the protected response (DO'87, DO'99, DO'8E) is what travels. Through pcscd with
/// a 258-byte receive buffer (256 bytes and SW1 SW2), on the short-only virtual card under AES
/// (PACE) and 3DES (BAC): a protected READ BINARY asking for 256 bytes gets the 223 (AES) or
/// 231 (3DES) plain bytes that fit; a whole read with such reads, chip authentication, and
/// active authentication (RSA-1024: its signature fits) all work, and every response fits.
#[test]
fn short_responses_fit_a_258_byte_buffer() {
    let _slots = lock_slots();
    let mut rng = OsRng.unwrap_err();
    for (args, fit) in [
        (&["--no-extended"][..], 223),
        (&["--no-extended", "--access", "bac"][..], 231),
    ] {
        let sim = Sim::start(args);
        let key = if args.contains(&"bac") {
            let lines: Vec<&str> = sim.info["mrz"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap())
                .collect();
            AccessKey::Mrz(Mrz::parse(&lines.join("\n")).unwrap().info().unwrap())
        } else {
            AccessKey::Can(Can::new(sim.info["can"].as_str().unwrap()).unwrap())
        };
        let pcsc = Pcsc::establish().unwrap();
        let mut conn = pcsc.connect(&sim.reader, ShareMode::Shared).unwrap();
        let mut tx = conn.begin().unwrap();
        tx.limit_receive_buffer(258);
        let mut tx = Lengths {
            inner: tx,
            seen: Vec::new(),
        };
        let short = |c: Command| c.with_encoding(LengthEncoding::Short);
        let card_access = tx.exchange(&short(read_binary_sfi(0x1C, 256))).unwrap();
        let card_access = card_access.is_success().then_some(card_access.data);
        {
            let (mut sm, _) =
                establish_access(&mut tx, card_access.as_deref(), &key, &mut rng).unwrap();
            // DG2 (the photo) is far longer than 256 bytes.
            let r = sm.send(&short(read_binary_sfi(0x02, 256))).unwrap();
            assert_eq!((r.sw, r.data.len()), (StatusWord::SUCCESS, fit), "{args:?}");
        }
        let options = ReadOptions {
            allow_extended: false,
            short_chunk: 256,
            ..ReadOptions::default()
        };
        let files = [
            LdsFile::Com,
            LdsFile::Sod,
            LdsFile::Dg(1),
            LdsFile::Dg(2),
            LdsFile::Dg(13),
            LdsFile::Dg(14),
            LdsFile::Dg(15),
        ];
        let mut doc = Document::open(&mut tx, &key, options, &mut rng).unwrap();
        for f in files {
            doc.read_file(f, &mut rng)
                .unwrap_or_else(|e| panic!("{args:?} {}: {e}", f.name()))
                .unwrap_or_else(|| panic!("{args:?} {}: not given", f.name()));
        }
        let check = doc.clone_check(&mut rng).unwrap();
        assert!(
            matches!(check.chip_authentication, Some(ChipAuthOutcome::Passed(_))),
            "{args:?}: {check:?}"
        );
        let read = doc.finish();
        assert!(read.file(LdsFile::Dg(2)).unwrap().len() > 10 * 256);
        // Without DG14 the clone check is active authentication.
        let mut doc = Document::open(&mut tx, &key, options, &mut rng).unwrap();
        doc.read_file(LdsFile::Dg(15), &mut rng).unwrap();
        let check = doc.clone_check(&mut rng).unwrap();
        match check.active_authentication {
            Some(ActiveAuthOutcome::Signed { signature, .. }) => assert_eq!(signature.len(), 128),
            other => panic!("{args:?}: {other:?}"),
        }
        drop(doc);
        let longest = tx.seen.iter().max().copied().unwrap_or(0);
        assert!(longest <= 258, "{args:?}: a response of {longest} bytes");
        assert!(tx.seen.len() > 100, "{args:?}: {} responses", tx.seen.len());
    }
}
