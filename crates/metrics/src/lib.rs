//! The desk's metrics in the Prometheus text format (version 0.0.4), for `GET /metrics`: reads
//! by outcome and verdict, read time and time per phase, APDUs per read, readers present,
//! eligibility checks by category and the gateway's latency, the re-check and push outbox
//! queues, push delivery failures, and HTTP requests by route and status.
//!
//! A crate of its own (one concern: what the desk counts, and its exposition), built on the
//! Prometheus organisation's `prometheus-client` (metric types, label escaping, the text
//! encoder) rather than by hand. It knows nothing of the daemon: the daemon feeds it typed
//! calls ([`Metrics::read_finished`], [`Metrics::reader_added`], ...) from its card workers,
//! its event bus and its router, and [`Metrics::render`] gives the page.
//!
//! No personal data: label values are codes from fixed vocabularies (outcomes, verdicts,
//! categories, phase names, route patterns, endpoint names), and each label takes at most
//! [`MAX_LABEL_VALUES`] distinct values (further ones count as `other`), so no caller mistake
//! (a path with an id, a free text) can make a series per person. Every series carries the
//! `desk` label (`[desk] name`).

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The `Content-Type` of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// Distinct values one label may take; further values are counted as `other`.
pub const MAX_LABEL_VALUES: usize = 64;

/// Read durations, seconds: a good read of a CCCD takes 1 to 5 s on a real reader.
const READ_BUCKETS: [f64; 12] = [
    0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 13.0, 30.0,
];
/// Phase durations, seconds.
const PHASE_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];
/// APDUs per read (the virtual card's full read is about 40 with extended length).
const APDU_BUCKETS: [f64; 10] = [
    10.0, 20.0, 30.0, 40.0, 50.0, 75.0, 100.0, 150.0, 250.0, 500.0,
];
/// Gateway latency, seconds (a lookup takes 0.2 to 5 s; the co-payment one up to 60 s).
const GATEWAY_BUCKETS: [f64; 12] = [
    0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 40.0, 75.0,
];

type Labels1 = [(&'static str, String); 1];
type Labels2 = [(&'static str, String); 2];
type Labels3 = [(&'static str, String); 3];
type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn phase_histogram() -> Histogram {
    Histogram::new(PHASE_BUCKETS)
}

/// One finished read, as the card worker saw it.
#[derive(Debug, Clone, Copy)]
pub struct ReadSample<'a> {
    /// `complete`, or the error code of the failure (`card-removed`, `wrong-access-key`...).
    pub outcome: &'a str,
    /// The card's verdict (`genuine`, `forged`...), when the read got that far.
    pub verdict: Option<&'a str>,
    /// From the read's start on the card to its end; None when it never reached a card (no
    /// card put down in time, the reader gone): counted, but not in the read time.
    pub duration: Option<Duration>,
    /// Time per phase (the read's steps: `access`, `DG13`, `SOD`, ..., `verify`).
    pub phases: &'a [(&'a str, Duration)],
    /// APDUs exchanged, when known.
    pub apdus: Option<u64>,
}

/// Bounded label values, per label.
#[derive(Default)]
struct Vocabulary {
    seen: Mutex<HashMap<&'static str, HashSet<String>>>,
}

impl Vocabulary {
    /// `value`, or `other` once `label` has [`MAX_LABEL_VALUES`] others.
    fn admit(&self, label: &'static str, value: &str) -> String {
        let Ok(mut seen) = self.seen.lock() else {
            return "other".into();
        };
        let values = seen.entry(label).or_default();
        if values.contains(value) {
            return value.to_owned();
        }
        if values.len() >= MAX_LABEL_VALUES {
            return "other".into();
        }
        values.insert(value.to_owned());
        value.to_owned()
    }
}

/// The last cumulative counts of one push endpoint (the push crate counts since its start; the
/// metrics add the difference).
#[derive(Default, Clone, Copy)]
struct PushSeen {
    delivered: u64,
    failed: u64,
    refused: u64,
    expired: u64,
}

/// Every metric of the desk. Share it behind an `Arc`: every method takes `&self`.
pub struct Metrics {
    registry: Registry,
    vocabulary: Vocabulary,
    reads: Family<Labels2, Counter>,
    read_seconds: Histogram,
    phase_seconds: HistogramFamily<Labels1>,
    read_apdus: Histogram,
    readers_present: Gauge,
    readers: Mutex<BTreeSet<String>>,
    eligibility: Family<Labels2, Counter>,
    gateway_seconds: Histogram,
    recheck_depth: Gauge,
    outbox_depth: Family<Labels1, Gauge>,
    outbox_oldest: Family<Labels1, Gauge>,
    push_delivered: Family<Labels1, Counter>,
    push_failures: Family<Labels1, Counter>,
    push_refused: Family<Labels1, Counter>,
    push_expired: Family<Labels1, Counter>,
    push_lost: Counter,
    push_degraded: Gauge,
    push_seen: Mutex<HashMap<String, PushSeen>>,
    push_lost_seen: Mutex<u64>,
    http: Family<Labels3, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// The metrics of desk `desk` (the `desk` label of every series).
    pub fn new(desk: &str) -> Self {
        let labels = [(Cow::Borrowed("desk"), Cow::Owned(desk.to_owned()))];
        let mut r = Registry::with_prefix_and_labels("cccd", labels.into_iter());
        let m = Self {
            reads: Family::default(),
            read_seconds: Histogram::new(READ_BUCKETS),
            phase_seconds: Family::new_with_constructor(phase_histogram),
            read_apdus: Histogram::new(APDU_BUCKETS),
            readers_present: Gauge::default(),
            readers: Mutex::new(BTreeSet::new()),
            eligibility: Family::default(),
            gateway_seconds: Histogram::new(GATEWAY_BUCKETS),
            recheck_depth: Gauge::default(),
            outbox_depth: Family::default(),
            outbox_oldest: Family::default(),
            push_delivered: Family::default(),
            push_failures: Family::default(),
            push_refused: Family::default(),
            push_expired: Family::default(),
            push_lost: Counter::default(),
            push_degraded: Gauge::default(),
            push_seen: Mutex::new(HashMap::new()),
            push_lost_seen: Mutex::new(0),
            http: Family::default(),
            vocabulary: Vocabulary::default(),
            registry: Registry::default(),
        };
        r.register(
            "reads",
            "Card reads finished, by outcome (complete or the error code) and verdict",
            m.reads.clone(),
        );
        r.register(
            "read_duration_seconds",
            "Time of a card read, from the job's start to its end",
            m.read_seconds.clone(),
        );
        r.register(
            "read_phase_duration_seconds",
            "Time of each phase of a card read",
            m.phase_seconds.clone(),
        );
        r.register(
            "read_apdus",
            "APDUs exchanged with the card per read",
            m.read_apdus.clone(),
        );
        r.register(
            "readers_present",
            "Card readers the daemon serves now",
            m.readers_present.clone(),
        );
        r.register(
            "eligibility_checks",
            "Health-insurance eligibility checks, by category and source (gateway or cache)",
            m.eligibility.clone(),
        );
        r.register(
            "gateway_request_duration_seconds",
            "Latency of requests to the BHXH gateway",
            m.gateway_seconds.clone(),
        );
        r.register(
            "recheck_queue_depth",
            "Eligibility checks waiting in the re-check queue",
            m.recheck_depth.clone(),
        );
        r.register(
            "push_outbox_depth",
            "Events waiting in the push outbox, per endpoint",
            m.outbox_depth.clone(),
        );
        r.register(
            "push_outbox_oldest_seconds",
            "Age of the oldest event waiting in the push outbox, per endpoint",
            m.outbox_oldest.clone(),
        );
        r.register(
            "push_delivered",
            "Events delivered to a push endpoint (answered 2xx)",
            m.push_delivered.clone(),
        );
        r.register(
            "push_delivery_failures",
            "Failed push delivery attempts, per endpoint",
            m.push_failures.clone(),
        );
        r.register(
            "push_refused",
            "Events refused because the endpoint's outbox was full",
            m.push_refused.clone(),
        );
        r.register(
            "push_expired",
            "Undelivered events dropped for their age",
            m.push_expired.clone(),
        );
        r.register(
            "push_lost",
            "Events lost before the push outbox (the push fell behind)",
            m.push_lost.clone(),
        );
        r.register(
            "push_degraded",
            "1 when an event was refused, dropped or lost, or an outbox is full",
            m.push_degraded.clone(),
        );
        r.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            m.http.clone(),
        );
        Self { registry: r, ..m }
    }

    /// The page: every metric in the Prometheus text format, [`CONTENT_TYPE`].
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_text::encode(&mut out, &self.registry);
        out
    }

    fn label(&self, name: &'static str, value: &str) -> (&'static str, String) {
        (name, self.vocabulary.admit(name, value))
    }

    /// A card read ended (well or not).
    pub fn read_finished(&self, read: &ReadSample<'_>) {
        self.reads
            .get_or_create(&[
                self.label("outcome", read.outcome),
                self.label("verdict", read.verdict.unwrap_or("none")),
            ])
            .inc();
        if let Some(d) = read.duration {
            self.read_seconds.observe(d.as_secs_f64());
        }
        for (phase, d) in read.phases {
            self.phase_seconds
                .get_or_create(&[self.label("phase", phase)])
                .observe(d.as_secs_f64());
        }
        if let Some(n) = read.apdus {
            #[allow(clippy::cast_precision_loss)]
            self.read_apdus.observe(n as f64);
        }
    }

    fn set_readers(&self, change: impl FnOnce(&mut BTreeSet<String>)) {
        if let Ok(mut r) = self.readers.lock() {
            change(&mut r);
            self.readers_present
                .set(i64::try_from(r.len()).unwrap_or(i64::MAX));
        }
    }

    /// A reader appeared (again: counted once).
    pub fn reader_added(&self, reader: &str) {
        self.set_readers(|r| {
            r.insert(reader.to_owned());
        });
    }

    /// A reader went away.
    pub fn reader_removed(&self, reader: &str) {
        self.set_readers(|r| {
            r.remove(reader);
        });
    }

    /// An eligibility decision of `category` (`eligible`, `gateway-error`...), `cached` when it
    /// came from the offline cache.
    pub fn eligibility_checked(&self, category: &str, cached: bool) {
        self.eligibility
            .get_or_create(&[
                self.label("category", category),
                (
                    "source",
                    if cached { "cache" } else { "gateway" }.to_owned(),
                ),
            ])
            .inc();
    }

    /// One request to the BHXH gateway took `latency`.
    pub fn gateway_request(&self, latency: Duration) {
        self.gateway_seconds.observe(latency.as_secs_f64());
    }

    /// The re-check queue holds `n` pending checks.
    pub fn recheck_queue_depth(&self, n: u64) {
        self.recheck_depth.set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// The push's state ([`push::Pusher::status`]): outbox depths, and the counters' growth since
    /// the last call.
    pub fn observe_push(&self, status: &push::PushStatus) {
        let Ok(mut seen) = self.push_seen.lock() else {
            return;
        };
        for e in &status.endpoints {
            let l = [self.label("endpoint", &e.name)];
            self.outbox_depth
                .get_or_create(&l)
                .set(i64::try_from(e.queued).unwrap_or(i64::MAX));
            self.outbox_oldest.get_or_create(&l).set(
                e.oldest_secs
                    .map_or(0, |s| i64::try_from(s).unwrap_or(i64::MAX)),
            );
            let last = seen.entry(e.name.clone()).or_default();
            for (counter, now, before) in [
                (&self.push_delivered, e.delivered, &mut last.delivered),
                (&self.push_failures, e.failed_attempts, &mut last.failed),
                (&self.push_refused, e.refused, &mut last.refused),
                (&self.push_expired, e.expired, &mut last.expired),
            ] {
                counter
                    .get_or_create(&l)
                    .inc_by(now.saturating_sub(*before));
                *before = now;
            }
        }
        if let Ok(mut lost) = self.push_lost_seen.lock() {
            self.push_lost.inc_by(status.lost.saturating_sub(*lost));
            *lost = status.lost;
        }
        self.push_degraded.set(i64::from(status.degraded));
    }

    /// The router answered `status` to `method` on `route`: the route's pattern
    /// (`/v1/sessions/{id}`), never the path with its ids.
    pub fn http_request(&self, method: &str, route: &str, status: u16) {
        self.http
            .get_or_create(&[
                self.label("method", method),
                self.label("route", route),
                ("status", status.to_string()),
            ])
            .inc();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn labels_are_bounded_and_escaped() {
        let m = Metrics::new("quay-01");
        for i in 0..(MAX_LABEL_VALUES + 5) {
            m.http_request("GET", &format!("/v1/route{i}"), 200);
        }
        let text = m.render();
        assert!(text.contains("route=\"other\""), "{text}");
        assert!(!text.contains(&format!("/v1/route{}", MAX_LABEL_VALUES + 1)));
        m.eligibility_checked("say \"hi\"\\\n", false);
        let text = m.render();
        assert!(
            text.contains(r#"category="say \"hi\"\\\n""#),
            "escaped: {text}"
        );
        assert!(text.contains("desk=\"quay-01\""));
    }

    #[test]
    fn counts_what_it_is_told() {
        let m = Metrics::new("d");
        m.reader_added("A");
        m.reader_added("A");
        m.reader_added("B");
        m.reader_removed("A");
        m.read_finished(&ReadSample {
            outcome: "complete",
            verdict: Some("genuine"),
            duration: Some(Duration::from_millis(1800)),
            phases: &[("access", Duration::from_millis(300))],
            apdus: Some(42),
        });
        let t = m.render();
        assert!(t.contains("cccd_readers_present{desk=\"d\"} 1"), "{t}");
        assert!(
            t.contains("cccd_reads_total{desk=\"d\",outcome=\"complete\",verdict=\"genuine\"} 1")
                || t.contains(
                    "cccd_reads_total{outcome=\"complete\",verdict=\"genuine\",desk=\"d\"} 1"
                ),
            "{t}"
        );
        assert!(t.contains("cccd_read_apdus_sum{desk=\"d\"} 42"), "{t}");
    }
}
