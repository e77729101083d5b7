//! The worker of a PC/SC reader: it waits for the card (making its PC/SC context again after a
//! `pcscd` restart), connects, and reads.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use apdu::{CardConnection, TransportError};
use pcsc_backend::{CardState, Pcsc, ShareMode};
use pipeline::{CardReader, ErrorKind};

use super::registry::Readers;
use super::stages::{finish, run_read, start_session};
use super::{Job, ReadDone, ReadFailure, ReadJob};

/// How often a PC/SC worker looks for the card while a read waits for one.
const CARD_POLL: Duration = Duration::from_millis(50);

pub(super) fn run(
    name: &str,
    share: ShareMode,
    rx: &Receiver<Job>,
    readers: &Readers,
    mut reader: CardReader,
) {
    let mut pcsc: Option<Pcsc> = None;
    while let Ok(job) = rx.recv() {
        if let Job::Read(job) = job {
            let result = read(&mut pcsc, name, share, &job, readers, &mut reader);
            finish(job, name, readers, result);
        }
    }
}

/// A failure of the reader before the card answered anything.
fn transport_failure(e: &TransportError) -> ReadFailure {
    ReadFailure::new(ErrorKind::of_transport(e, false), e.to_string())
}

fn read(
    pcsc: &mut Option<Pcsc>,
    name: &str,
    share: ShareMode,
    job: &ReadJob,
    readers: &Readers,
    reader: &mut CardReader,
) -> Result<ReadDone, ReadFailure> {
    // Wait for the card (the context is made again after a pcscd restart).
    loop {
        if pcsc.is_none() {
            *pcsc = Pcsc::establish().ok();
        }
        if let Some(p) = pcsc.as_ref() {
            match p.status(name) {
                Ok(s) if matches!(s.card, CardState::Present | CardState::Mute) => break,
                Ok(_) => {}
                Err(TransportError::NoService) => *pcsc = None,
                Err(e @ TransportError::NoReader(_)) => return Err(transport_failure(&e)),
                Err(_) => *pcsc = None,
            }
        }
        if Instant::now() >= job.deadline {
            return Err(if pcsc.is_none() {
                transport_failure(&TransportError::NoService)
            } else {
                ReadFailure::no_card()
            });
        }
        std::thread::sleep(CARD_POLL);
    }
    let p = pcsc
        .as_ref()
        .ok_or_else(|| transport_failure(&TransportError::NoService))?;
    start_session(job, name, readers);
    let mut conn = p.connect(name, share).map_err(|e| transport_failure(&e))?;
    let mut tx = conn.begin().map_err(|e| transport_failure(&e))?;
    run_read(&mut tx, job, name, readers, reader)
}
