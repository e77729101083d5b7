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
    stats: TransferStats,
}

impl<T> Counting<T> {
    /// Wraps a transaction.
    pub fn new(inner: T) -> Self {
        Self { inner, stats: TransferStats::default() }
    }

    /// The counts so far.
    pub fn stats(&self) -> TransferStats {
        self.stats
    }

    /// The wrapped transaction.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: CardTransaction> CardTransaction for Counting<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.stats.apdus += 1;
        self.stats.bytes_sent += command.len() as u64;
        let r = self.inner.transmit(command)?;
        self.stats.bytes_received += r.len() as u64;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Transcript;

    #[test]
    fn counts_apdus_and_bytes() {
        let mut c = Counting::new(Transcript::from_hex(&[("00B0000002", "01029000"), ("00B0000202", "6282")]));
        c.transmit(&[0, 0xB0, 0, 0, 2]).unwrap();
        let first = c.stats();
        c.transmit(&[0, 0xB0, 0, 2, 2]).unwrap();
        assert_eq!(c.stats(), TransferStats { apdus: 2, bytes_sent: 10, bytes_received: 6 });
        assert_eq!(c.stats().since(&first), TransferStats { apdus: 1, bytes_sent: 5, bytes_received: 2 });
        c.into_inner().finish().unwrap();
    }
}
