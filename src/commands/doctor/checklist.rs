//! The checklist `cccd doctor` fills: one line per check, with its id (stable for scripts), a
//! status and what to do when it did not pass.

use std::time::Duration;

use serde::Serialize;

/// Every check the command can report, in order: the ids are stable for scripts.
pub const CHECK_IDS: [&str; 13] = [
    "service",
    "readers",
    "card",
    "atr",
    "uid",
    "emrtd",
    "cardAccess",
    "extendedLength",
    "readSize",
    "roundTrip",
    "quirks",
    "fullRead",
    "browserPolicy",
];

/// One line of the checklist.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub(super) id: &'static str,
    pub(super) title: &'static str,
    pub(super) status: Status,
    pub(super) detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) advice: Option<String>,
}

#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

impl Status {
    pub(super) fn mark(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        }
    }
}

/// The title a check is shown with.
pub(super) fn title_of(id: &str) -> &'static str {
    match id {
        "service" => "PC/SC service",
        "readers" => "readers",
        "card" => "card on the reader",
        "atr" => "ATR",
        "uid" => "contactless UID",
        "emrtd" => "eMRTD application",
        "cardAccess" => "EF.CardAccess",
        "extendedLength" => "extended length",
        "readSize" => "largest read",
        "roundTrip" => "round trip",
        "quirks" => "known reader quirks",
        "browserPolicy" => "browser policy for web HIS pages",
        _ => "full read",
    }
}

/// The checks made so far; each check is added under its id with its title from [`title_of`].
#[derive(Default)]
pub(super) struct Checklist(pub(super) Vec<Check>);

impl Checklist {
    pub(super) fn add(
        &mut self,
        id: &'static str,
        status: Status,
        detail: impl Into<String>,
        advice: Option<String>,
    ) {
        self.0.push(Check {
            id,
            title: title_of(id),
            status,
            detail: detail.into(),
            advice,
        });
    }
    pub(super) fn pass(&mut self, id: &'static str, detail: impl Into<String>) {
        self.add(id, Status::Pass, detail, None);
    }
    pub(super) fn warn(&mut self, id: &'static str, detail: impl Into<String>) {
        self.add(id, Status::Warn, detail, None);
    }
    pub(super) fn fail(&mut self, id: &'static str, detail: impl Into<String>) {
        self.add(id, Status::Fail, detail, None);
    }
    pub(super) fn skip(&mut self, id: &'static str, why: &str) {
        self.add(id, Status::Skip, why, None);
    }

    /// Marks the checks never reached as skipped and puts every check in [`CHECK_IDS`] order.
    pub(super) fn complete(&mut self) {
        for id in CHECK_IDS {
            if !self.0.iter().any(|c| c.id == id) {
                self.skip(id, "not reached: an earlier check failed");
            }
        }
        self.0
            .sort_by_key(|c| CHECK_IDS.iter().position(|id| *id == c.id));
    }
}

pub(super) fn median(v: &[Duration]) -> Option<Duration> {
    let mut s = v.to_vec();
    s.sort();
    s.get(s.len() / 2).copied()
}

pub(super) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_skips_what_was_not_reached_in_order() {
        let mut list = Checklist::default();
        list.fail("card", "no card");
        list.pass("service", "reachable");
        list.complete();
        let ids: Vec<&str> = list.0.iter().map(|c| c.id).collect();
        assert_eq!(ids, CHECK_IDS);
        assert_eq!(list.0[0].status, Status::Pass);
        assert_eq!(list.0[2].status, Status::Fail);
        assert!(list.0[3..].iter().all(|c| c.status == Status::Skip));
        assert_eq!(list.0[12].title, "browser policy for web HIS pages");
        assert_eq!(list.0[2].title, "card on the reader");
    }

    #[test]
    fn median_of_odd_and_even_and_empty() {
        let d = |n| Duration::from_millis(n);
        assert_eq!(median(&[d(3), d(1), d(2)]), Some(d(2)));
        assert_eq!(median(&[d(4), d(1), d(3), d(2)]), Some(d(3)));
        assert_eq!(median(&[]), None);
    }
}
