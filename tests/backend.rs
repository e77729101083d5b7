//! The PC/SC backend used directly, against the virtual card in the real pcscd.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use apdu::{CardConnection, Command, ExchangeExt, StatusWord, TransportError};
use common::*;
use pcsc_backend::{Monitor, MonitorEvent, Pcsc, ShareMode, get_uid};

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
