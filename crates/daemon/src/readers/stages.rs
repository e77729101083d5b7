//! One read on an open transaction: the pipeline's stages turned into session updates and
//! events, and the job's outcome sent back.

use std::time::{Duration, Instant};

use apdu::CardTransaction;
use pipeline::{CardReader, ReadRequest, Stage};

use super::registry::Readers;
use super::{ReadDone, ReadFailure, ReadJob};
use crate::events::{CardIdentity, CardPhoto, CardProgress, CardVerified, DaemonEvent, ReadStage};
use crate::sessions::{Session, SessionPhoto, VerificationView};

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

/// Opens the job's session (`card.progress` `reading`).
pub(super) fn start_session(job: &ReadJob, reader: &str, readers: &Readers) {
    let mut session = Session::new(job.session_id.clone(), reader.to_owned());
    session.page = job.page.clone();
    readers.sessions().insert(session);
    readers
        .events()
        .emit(DaemonEvent::CardProgress(CardProgress {
            reader: reader.to_owned(),
            session_id: job.session_id.clone(),
            stage: ReadStage::Reading,
            protocol: None,
        }));
}

/// Runs the pipeline on an open transaction, turning its stages into session updates and
/// events.
pub(super) fn run_read(
    tx: &mut impl CardTransaction,
    job: &ReadJob,
    reader_name: &str,
    readers: &Readers,
    card_reader: &mut CardReader,
) -> Result<ReadDone, ReadFailure> {
    let started = Instant::now();
    let sid = job.session_id.as_str();
    let (events, sessions) = (readers.events(), readers.sessions());
    let on_reader = || (reader_name.to_owned(), sid.to_owned());
    let mut emitted_verdict = None;
    let mut on = |stage: Stage<'_>| match stage {
        Stage::Opened(p) => {
            sessions.update(sid, |s| s.protocol = Some(p.name()));
            let (reader, session_id) = on_reader();
            events.emit(DaemonEvent::CardProgress(CardProgress {
                reader,
                session_id,
                stage: ReadStage::Opened,
                protocol: Some(p.name()),
            }));
        }
        Stage::Identity(c, block) => {
            sessions.update(sid, |s| {
                s.citizen = Some(c.clone());
                s.registration = Some(block.clone());
            });
            let (reader, session_id) = on_reader();
            events.emit(DaemonEvent::CardRead(CardIdentity {
                reader,
                session_id,
                verified: false,
                citizen: Box::new(c.clone()),
                registration: Box::new(block.clone()),
            }));
        }
        Stage::Verified(v, block) => {
            let view = VerificationView::from(v);
            emitted_verdict = Some(v.verdict);
            sessions.update(sid, |s| {
                s.verification = Some(view.clone());
                if let Some(b) = block {
                    s.registration = Some(b.clone());
                }
            });
            let (reader, session_id) = on_reader();
            events.emit(DaemonEvent::CardVerified(CardVerified {
                reader,
                session_id,
                verification: view,
                registration: block.map(|b| Box::new(b.clone())),
            }));
        }
        Stage::Photo(p) => {
            sessions.update(sid, |s| {
                s.photo = Some(SessionPhoto {
                    mime: p.mime,
                    bytes: p.bytes.clone(),
                    width: p.width,
                    height: p.height,
                    hash_verified: p.hash_verified,
                });
            });
            let (reader, session_id) = on_reader();
            events.emit(DaemonEvent::CardPhoto(CardPhoto {
                photo_url: format!("/v1/sessions/{sid}/photo"),
                reader,
                session_id,
                mime: p.mime,
                width: p.width,
                height: p.height,
                hash_verified: p.hash_verified,
            }));
        }
        _ => {}
    };
    let request = ReadRequest::full(job.want_photo);
    let read = card_reader
        .read(tx, &job.keys, &request, &mut on)
        .map_err(|e| ReadFailure::new(e.kind(), e.to_string()).after(started.elapsed()))?;
    let stats = super::report::stats(&read, started.elapsed());
    let verdict = read.verification.as_ref().map(|v| v.verdict);
    let final_view = read.verification.as_ref().map(VerificationView::from);
    sessions.update(sid, |s| {
        s.state = "complete";
        for step in &read.document.steps {
            *s.timings.entry(step.name.clone()).or_default() += ms(step.duration);
        }
        if let Some(v) = &final_view {
            s.verification = Some(v.clone());
        }
        if s.citizen.is_none() {
            s.citizen = read.citizen.clone();
        }
        if read.registration.is_some() {
            s.registration = read.registration.clone();
        }
    });
    // The photo's hash can still change the verdict after `card.verified`: say so.
    if verdict.is_some()
        && verdict != emitted_verdict
        && let Some(verification) = final_view
    {
        let (reader, session_id) = on_reader();
        events.emit(DaemonEvent::CardVerified(CardVerified {
            reader,
            session_id,
            verification,
            registration: read.registration.clone().map(Box::new),
        }));
    }
    Ok(ReadDone { verdict, stats })
}

/// Sends the outcome of a job; on failure the session is wiped (with what its events showed
/// before the failure) and the `error` event sent.
pub(super) fn finish(
    job: ReadJob,
    reader: &str,
    readers: &Readers,
    result: Result<ReadDone, ReadFailure>,
) {
    super::report::read_finished(reader, readers, &result);
    if let Err(f) = &result {
        readers.wipes().wipe(&job.session_id);
        readers.events().emit(DaemonEvent::error(
            Some(reader),
            Some(&job.session_id),
            f.kind.code(),
            f.message.clone(),
        ));
    }
    // The caller may have gone (client disconnected): nothing to do then.
    let _ = job.reply.send(result);
}
