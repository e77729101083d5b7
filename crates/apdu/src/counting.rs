//! Counting what crosses the transport: APDUs and bytes each way. Wrapped directly around the
//! reader's transaction (below secure messaging), it measures what the wire carries.

use crate::{CardTransaction, TransportError};

/// What went over the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransferStats {
    /// Command APDUs sent.
    pub apdus: u64,
    /// Bytes of command APDUs.
    pub bytes_sent: u64,
    /// Bytes of response APDUs (including status words).
    pub bytes_received: u64,
}

impl TransferStats {
    /// The difference `self - earlier`, for the counts of one phase.
    pub fn since(&self, earlier: &TransferStats) -> TransferStats {
        TransferStats {
            apdus: self.apdus - earlier.apdus,
            bytes_sent: self.bytes_sent - earlier.bytes_sent,
            bytes_received: self.bytes_received - earlier.bytes_received,
        }
    }
}

/// A [`CardTransaction`] decorator that counts APDUs and bytes.
#[derive(Debug)]
pub struct Counting<T> {
    inner: T,
    stats: Meter,
}

/// A handle on a [`Counting`] transaction's counts that stays readable after the transaction
/// has been moved into another decorator (secure messaging).
#[derive(Debug, Clone, Default)]
pub struct Meter(
    std::rc::Rc<std::cell::Cell<TransferStats>>,
    std::rc::Rc<std::cell::RefCell<Vec<crate::link::ExchangeRecord>>>,
);

impl Meter {
    /// The counts so far.
    pub fn get(&self) -> TransferStats {
        self.0.get()
    }

    /// Every exchange so far (sizes and public-key operations), for the link model.
    pub fn records(&self) -> Vec<crate::link::ExchangeRecord> {
        self.1.borrow().clone()
    }
}

impl<T> Counting<T> {
    /// Wraps a transaction.
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            stats: Meter::default(),
        }
    }

    /// A handle to read the counts later.
    pub fn meter(&self) -> Meter {
        self.stats.clone()
    }

    /// The counts so far.
    pub fn stats(&self) -> TransferStats {
        self.stats.get()
    }

    /// The wrapped transaction.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: CardTransaction> CardTransaction for Counting<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut s = self.stats.get();
        s.apdus += 1;
        s.bytes_sent += command.len() as u64;
        self.stats.0.set(s);
        let r = self.inner.transmit(command)?;
        s.bytes_received += r.len() as u64;
        self.stats.0.set(s);
        self.stats.1.borrow_mut().push(crate::link::ExchangeRecord {
            command: command.len(),
            response: r.len(),
            public_key: crate::link::is_public_key_command(command),
        });
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Transcript;

    #[test]
    fn counts_apdus_and_bytes() {
        let mut c = Counting::new(Transcript::from_hex(&[
            ("00B0000002", "01029000"),
            ("00B0000202", "6282"),
        ]));
        let meter = c.meter();
        c.transmit(&[0, 0xB0, 0, 0, 2]).unwrap();
        let first = c.stats();
        c.transmit(&[0, 0xB0, 0, 2, 2]).unwrap();
        assert_eq!(
            c.stats(),
            TransferStats {
                apdus: 2,
                bytes_sent: 10,
                bytes_received: 6
            }
        );
        assert_eq!(
            c.stats().since(&first),
            TransferStats {
                apdus: 1,
                bytes_sent: 5,
                bytes_received: 2
            }
        );
        assert_eq!(meter.get(), c.stats());
        c.into_inner().finish().unwrap();
    }
}
