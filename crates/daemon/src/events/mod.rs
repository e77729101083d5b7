//! The daemon's events: what can happen ([`DaemonEvent`], typed and serialised in one place)
//! and the bus that numbers and delivers them ([`EventBus`]).

mod bus;
mod kinds;

pub use bus::{Event, EventBus, Subscription};
pub use kinds::{
    CardIdentity, CardInserted, CardPhoto, CardProgress, CardVerified, CopaymentResult,
    DaemonEvent, EVENT_NAMES, EligibilityResult, ErrorEvent, OnReader, ReadStage, ReaderAdded,
};
