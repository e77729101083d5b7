//! The daemon's events as metrics: the subscription of [`::metrics::Metrics`] to the event bus.
//! Readers present and eligibility decisions come from the typed events; what no event carries
//! (a read's phases and APDUs, the gateway's latency, the route of an HTTP request, the queues)
//! is fed by the card workers, the eligibility service and the router with the `Metrics`
//! methods themselves.

use ::metrics::Metrics;

use crate::events::DaemonEvent;

/// Counts `event` in `metrics`. Call it for every event of the bus, in order (a subscriber of
/// [`crate::events::EventBus`]); events the metrics do not use are ignored.
pub fn observe(metrics: &Metrics, event: &DaemonEvent) {
    match event {
        DaemonEvent::ReaderAdded(e) => metrics.reader_added(&e.reader),
        DaemonEvent::ReaderRemoved(e) => metrics.reader_removed(&e.reader),
        DaemonEvent::EligibilityResult(e) => {
            // The decision travels as its JSON (a re-check's comes back from the queue so).
            let category = e.eligibility["category"].as_str().unwrap_or("unknown");
            let cached = e.eligibility["cached"].as_bool().unwrap_or(false);
            metrics.eligibility_checked(category, cached);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{EligibilityResult, OnReader, ReaderAdded};
    use crate::readers::ReaderKind;

    #[test]
    fn readers_and_eligibility_from_the_bus() {
        let m = Metrics::new("quay-01");
        let added = |r: &str| {
            DaemonEvent::ReaderAdded(ReaderAdded {
                reader: r.into(),
                kind: ReaderKind::Virtual,
            })
        };
        for e in [
            added("A"),
            added("B"),
            DaemonEvent::ReaderRemoved(OnReader { reader: "A".into() }),
            DaemonEvent::CardRemoved(OnReader { reader: "B".into() }),
            DaemonEvent::EligibilityResult(EligibilityResult {
                session_id: Some("s".into()),
                eligibility: serde_json::to_value(eligibility::Decision::without_card(
                    eligibility::Category::GatewayError,
                    eligibility::Message {
                        vi: String::new(),
                        en: String::new(),
                    },
                    None,
                ))
                .unwrap(),
                recheck: false,
                recheck_id: None,
                facility: None,
            }),
        ] {
            observe(&m, &e);
        }
        let text = m.render();
        assert!(
            text.contains("cccd_readers_present{desk=\"quay-01\"} 1"),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("cccd_eligibility_checks_total")
                    && l.contains("category=\"gateway-error\"")
                    && l.contains("source=\"gateway\"")
                    && l.ends_with(" 1")),
            "{text}"
        );
    }
}
