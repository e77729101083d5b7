//! The worker of an in-process virtual reader (`cccd demo`): the card is put on and taken off
//! by jobs, and a read waits for it until its deadline.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use apdu::CardTransaction;
use pipeline::{CardReader, ErrorKind};

use super::registry::Readers;
use super::stages::{finish, run_read, start_session};
use super::{Job, ReadFailure, ReadJob};

/// A card that lives in this process: the demo's virtual CCCD. It is its own transaction (it
/// answers each command APDU), and is powered on and off as it is tapped. The daemon knows no
/// more of it, so nothing `cccd serve` runs depends on the virtual card's crate.
pub trait VirtualCard: CardTransaction + Send {
    /// The ATR the reader would report.
    fn atr(&self) -> Vec<u8>;
    /// The field comes up: volatile state starts afresh.
    fn power_on(&mut self);
    /// The field goes away.
    fn power_off(&mut self);
    /// A fresh power-up, so no secure-messaging state carries over to the next read.
    fn reset(&mut self) {
        self.power_off();
        self.power_on();
    }
}

pub(super) fn run(
    name: &str,
    mut card: Box<dyn VirtualCard>,
    rx: &Receiver<Job>,
    readers: &Readers,
    mut reader: CardReader,
) {
    let mut present = false;
    let mut pending: Option<ReadJob> = None;
    loop {
        let wait = pending.as_ref().map_or(Duration::from_secs(3600), |j| {
            j.deadline.saturating_duration_since(Instant::now())
        });
        match rx.recv_timeout(wait) {
            Ok(Job::Insert) if !present => {
                present = true;
                card.power_on();
                readers.card_changed(name, true, Some(&card.atr()));
            }
            Ok(Job::Remove) if present => {
                present = false;
                card.power_off();
                readers.card_changed(name, false, None);
            }
            Ok(Job::Insert | Job::Remove) => {}
            Ok(Job::Read(job)) => {
                if pending.is_some() {
                    let _ = job.reply.send(Err(ReadFailure::new(
                        ErrorKind::ReaderBusy,
                        "another read is waiting on this reader",
                    )));
                } else {
                    pending = Some(job);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if let Some(job) = pending.take() {
            if present {
                start_session(&job, name, readers);
                card.reset();
                let result = run_read(&mut card, &job, name, readers, &mut reader);
                finish(job, name, readers, result);
            } else if Instant::now() >= job.deadline {
                finish(job, name, readers, Err(ReadFailure::no_card()));
            } else {
                pending = Some(job);
            }
        }
    }
}
