//! A model of the contactless link (ISO/IEC 14443-4 half-duplex block transmission) to turn a
//! transcript of APDU sizes into the time the exchange takes on a desk: the simulator sleeps by
//! it, and benchmarks report it, deterministically, at each bit rate.

use std::time::Duration;

/// The link's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkModel {
    /// Bit rate in kbit/s (ISO/IEC 14443: 106, 212, 424 or 848).
    pub kbps: u32,
    /// The chip's turnaround per block exchange (frame delay plus the chip's processing of a
    /// symmetric command).
    pub turnaround: Duration,
    /// The chip's time per public-key operation (one PACE mapping or key agreement step, one
    /// chip or active authentication).
    pub crypto: Duration,
}

/// Information bytes per I-block: FSC/FSD of 256 less PCB and the two CRC bytes (ISO/IEC
/// 14443-4 §7.1; no CID or NAD).
pub const BLOCK_INF: usize = 253;
/// Prologue and epilogue of a block: PCB plus CRC_A/CRC_B.
pub const BLOCK_OVERHEAD: usize = 3;
/// Bits per byte on air: 8 data bits plus start and stop (Type B) or parity (Type A, 9): the
/// model takes 10, the slower case.
pub const BITS_PER_BYTE: u64 = 10;

/// One exchange of a transcript: sizes, and whether the chip did a public-key operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeRecord {
    /// Command APDU length.
    pub command: usize,
    /// Response APDU length.
    pub response: usize,
    /// The command asked the chip for a public-key operation.
    pub public_key: bool,
}

impl LinkModel {
    /// A model at `kbps` with the given chip times in milliseconds.
    pub fn new(kbps: u32, turnaround_ms: f64, crypto_ms: f64) -> Self {
        Self {
            kbps,
            turnaround: Duration::from_secs_f64(turnaround_ms / 1000.0),
            crypto: Duration::from_secs_f64(crypto_ms / 1000.0),
        }
    }

    /// The time of one APDU exchange: the command's and the response's blocks (chained in
    /// 253-byte pieces, each piece but the last acknowledged by a 3-byte R-block), one
    /// turnaround per block exchange, plus the public-key operation if any.
    pub fn exchange_time(
        &self,
        command_len: usize,
        response_len: usize,
        public_key: bool,
    ) -> Duration {
        let blocks = |n: usize| n.div_ceil(BLOCK_INF).max(1);
        let (cb, rb) = (blocks(command_len), blocks(response_len));
        // Each block pair is a frame exchange: chained command blocks are answered by R(ACK),
        // chained response blocks are requested by R(ACK).
        let acks = (cb - 1) + (rb - 1);
        let bytes = command_len + response_len + BLOCK_OVERHEAD * (cb + rb + acks);
        let exchanges = (cb + rb - 1) as u32;
        let air = Duration::from_nanos(
            bytes as u64 * BITS_PER_BYTE * 1_000_000 / u64::from(self.kbps.max(1)),
        );
        air + self.turnaround * exchanges
            + if public_key {
                self.crypto
            } else {
                Duration::ZERO
            }
    }

    /// The time of a whole transcript.
    pub fn transcript_time(&self, records: &[ExchangeRecord]) -> Duration {
        records
            .iter()
            .map(|r| self.exchange_time(r.command, r.response, r.public_key))
            .sum()
    }
}

/// Whether a command asks the chip for a public-key operation, judged from its header (which
/// secure messaging leaves in clear, ISO 7816-4 §10) and, when unprotected, its first data
/// object: PACE General Authenticate with a mapping (81) or ephemeral (83) key (ICAO 9303-11
/// §4.4); a protected General Authenticate, which after access control can only be chip
/// authentication's key agreement (§6.2: the chip derives the shared secret); MSE:Set KAT
/// (22 41 A6, chip authentication with 3DES), protected or not; and INTERNAL AUTHENTICATE
/// (active authentication, §6.1). Anything else is symmetric.
pub fn is_public_key_command(command: &[u8]) -> bool {
    let protected = |cla: u8| cla & 0x0C != 0;
    match command {
        [cla, 0x86, ..] if protected(*cla) => true,
        [_, 0x86, _, _, _, 0x7C, _, tag, ..] => matches!(tag, 0x80 | 0x81 | 0x83),
        [_, 0x22, 0x41, 0xA6, ..] => true,
        [_, 0x88, ..] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_follow_the_block_arithmetic() {
        let m = LinkModel::new(106, 1.0, 50.0);
        // 13 + 4 bytes + 2 blocks of overhead = 23 bytes = 230 bits at 106 kbit/s.
        let t = m.exchange_time(13, 4, false);
        assert_eq!(
            t,
            Duration::from_nanos(230 * 1_000_000 / 106) + Duration::from_millis(1)
        );
        // A 1000-byte response: 4 blocks, 3 acknowledgements, 4 exchanges.
        let t = m.exchange_time(7, 1000, false);
        let bytes = 7 + 1000 + 3 * (1 + 4 + 3);
        assert_eq!(
            t,
            Duration::from_nanos(bytes * 10 * 1_000_000 / 106) + Duration::from_millis(4)
        );
        assert_eq!(
            m.exchange_time(13, 4, true) - m.exchange_time(13, 4, false),
            Duration::from_millis(50)
        );
        let fast = LinkModel::new(848, 1.0, 50.0);
        assert!(fast.exchange_time(7, 20_000, false) < m.exchange_time(7, 20_000, false));
        let recs = [
            ExchangeRecord {
                command: 13,
                response: 4,
                public_key: false,
            },
            ExchangeRecord {
                command: 7,
                response: 1000,
                public_key: true,
            },
        ];
        assert_eq!(
            m.transcript_time(&recs),
            m.exchange_time(13, 4, false) + m.exchange_time(7, 1000, true)
        );
    }

    #[test]
    fn public_key_commands() {
        assert!(is_public_key_command(
            &hex::decode("10860000457C438141").unwrap()
        ));
        assert!(is_public_key_command(
            &hex::decode("10860000457C438341").unwrap()
        ));
        assert!(
            !is_public_key_command(&hex::decode("10860000027C0000").unwrap()),
            "step 1: nonce only"
        );
        assert!(
            !is_public_key_command(&hex::decode("008600000C7C0A8508").unwrap()),
            "step 4: tokens"
        );
        assert!(is_public_key_command(&hex::decode("0088000008").unwrap()));
        assert!(is_public_key_command(&hex::decode("0C88000008").unwrap()));
        assert!(!is_public_key_command(&hex::decode("0CB0000000").unwrap()));
        // Chip authentication under secure messaging: General Authenticate (the chip's key
        // agreement) counts, its MSE:Set AT does not; MSE:Set KAT does in either form.
        assert!(is_public_key_command(
            &hex::decode("0C86000015871101").unwrap()
        ));
        assert!(!is_public_key_command(
            &hex::decode("0C2241A41D871901").unwrap()
        ));
        assert!(is_public_key_command(
            &hex::decode("0C2241A645874301").unwrap()
        ));
        assert!(is_public_key_command(
            &hex::decode("002241A6459143").unwrap()
        ));
    }
}
