//! What the desk tells of each finished read: its metrics (outcome, verdict, time, phases,
//! APDUs) and one log line (`reader`, `event`, `outcome`, `duration_ms`, `verdict`). Neither
//! holds personal data: the reader's name, codes and numbers only.

use std::time::Duration;

use pipeline::CardRead;

use super::registry::Readers;
use super::{ReadDone, ReadFailure, ReadStats};

/// The stats of a read that completed in `duration`.
pub(super) fn stats(read: &CardRead, duration: Duration) -> ReadStats {
    ReadStats {
        duration: Some(duration),
        phases: read
            .document
            .steps
            .iter()
            .map(|s| (s.name.clone(), s.duration))
            .collect(),
        apdus: Some(read.document.total_transfer().apdus),
    }
}

/// Counts the read in the metrics and logs its line.
pub(super) fn read_finished(
    reader: &str,
    readers: &Readers,
    result: &Result<ReadDone, ReadFailure>,
) {
    let none = ReadStats::default();
    let (outcome, verdict, stats) = match result {
        Ok(done) => (
            "complete",
            done.verdict.map(trust::Verdict::as_str),
            &done.stats,
        ),
        Err(f) => (
            f.kind.code(),
            None,
            &ReadStats {
                duration: f.duration,
                ..none
            },
        ),
    };
    let phases: Vec<(&str, Duration)> = stats
        .phases
        .iter()
        .map(|(name, d)| (name.as_str(), *d))
        .collect();
    readers.metrics().read_finished(&metrics::ReadSample {
        outcome,
        verdict,
        duration: stats.duration,
        phases: &phases,
        apdus: stats.apdus,
    });
    let duration_ms = stats
        .duration
        .map(|d| (d.as_secs_f64() * 1e5).round() / 100.0);
    tracing::info!(
        reader,
        event = "read.finished",
        outcome,
        duration_ms,
        verdict = verdict.unwrap_or("none"),
        apdus = stats.apdus,
        "card read finished"
    );
}
