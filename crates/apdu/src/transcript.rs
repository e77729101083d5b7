//! A scripted card for unit tests: it expects exact command APDUs in order and answers each
//! with a fixed response. Anything unexpected, and anything left over, is a failure.

use std::collections::VecDeque;

use crate::{CardTransaction, TransportError};

/// Why a transcript test failed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TranscriptError {
    /// A command differed from the one expected at that step.
    #[error("step {step}: expected command {expected}, got {got}")]
    Unexpected {
        /// Zero-based step number.
        step: usize,
        /// Expected command, hex.
        expected: String,
        /// Received command, hex.
        got: String,
    },
    /// A command arrived after the transcript was exhausted.
    #[error("step {step}: unexpected extra command {got}")]
    Extra {
        /// Zero-based step number.
        step: usize,
        /// Received command, hex.
        got: String,
    },
    /// Expected commands were never sent.
    #[error("{0} expected command(s) never sent, the first being {1}")]
    Leftover(usize, String),
}

/// A [`CardTransaction`] that replays a fixed exchange. It fails the exchange (with a
/// [`TransportError::Other`]) on the first unexpected command and records why;
/// [`Transcript::finish`] reports that, or any leftover step. Dropping an unfinished transcript
/// with a recorded failure or leftover steps panics, so a test cannot forget to check.
#[derive(Debug)]
pub struct Transcript {
    steps: VecDeque<(Vec<u8>, Vec<u8>)>,
    step: usize,
    failure: Option<TranscriptError>,
    then: Option<TransportError>,
    finished: bool,
}

impl Transcript {
    /// A transcript of (command, response) pairs.
    pub fn new(steps: Vec<(Vec<u8>, Vec<u8>)>) -> Self {
        Self {
            steps: steps.into(),
            step: 0,
            failure: None,
            then: None,
            finished: false,
        }
    }

    /// A transcript from hexadecimal (command, response) pairs; panics on bad hex, as it is
    /// meant for test code.
    pub fn from_hex(steps: &[(&str, &str)]) -> Self {
        let decode = |s: &str| {
            hex::decode(s.replace(' ', ""))
                .unwrap_or_else(|e| panic!("bad hex {s:?} in transcript: {e}"))
        };
        Self::new(steps.iter().map(|(c, r)| (decode(c), decode(r))).collect())
    }

    /// After the scripted steps, answer the next command with this transport error instead of
    /// a failure (to script a card being pulled, for example).
    #[must_use]
    pub fn then_fail(mut self, error: TransportError) -> Self {
        self.then = Some(error);
        self
    }

    /// Number of commands answered so far.
    pub fn steps_done(&self) -> usize {
        self.step
    }

    /// Ok when every expected command was sent and nothing unexpected was.
    pub fn finish(&mut self) -> Result<(), TranscriptError> {
        self.finished = true;
        if let Some(f) = self.failure.take() {
            return Err(f);
        }
        match self.steps.front() {
            Some((c, _)) => Err(TranscriptError::Leftover(
                self.steps.len(),
                hex::encode_upper(c),
            )),
            None => Ok(()),
        }
    }
}

impl CardTransaction for Transcript {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let step = self.step;
        self.step += 1;
        let failure = match self.steps.pop_front() {
            Some((expected, response)) if expected == command => return Ok(response),
            Some((expected, _)) => TranscriptError::Unexpected {
                step,
                expected: hex::encode_upper(expected),
                got: hex::encode_upper(command),
            },
            None => {
                if let Some(e) = self.then.take() {
                    return Err(e);
                }
                TranscriptError::Extra {
                    step,
                    got: hex::encode_upper(command),
                }
            }
        };
        let message = failure.to_string();
        self.failure.get_or_insert(failure);
        Err(TransportError::Other { code: 0, message })
    }
}

impl Drop for Transcript {
    fn drop(&mut self) {
        if !self.finished
            && !std::thread::panicking()
            && (self.failure.is_some() || !self.steps.is_empty())
        {
            panic!(
                "transcript dropped without finish(): {:?} / {} step(s) left",
                self.failure,
                self.steps.len()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unexpected_command_fails() {
        let mut t = Transcript::from_hex(&[("00A4040C00", "9000")]);
        assert!(t.transmit(&[0, 0xB0, 0, 0, 1]).is_err());
        assert!(matches!(
            t.finish(),
            Err(TranscriptError::Unexpected { step: 0, .. })
        ));
    }

    #[test]
    fn extra_command_fails() {
        let mut t = Transcript::from_hex(&[]);
        assert!(t.transmit(&[0, 0xB0, 0, 0, 1]).is_err());
        assert!(matches!(
            t.finish(),
            Err(TranscriptError::Extra { step: 0, .. })
        ));
    }

    #[test]
    fn leftover_command_fails() {
        let mut t = Transcript::from_hex(&[("00B0000001", "009000"), ("00B0000101", "019000")]);
        assert_eq!(t.transmit(&[0, 0xB0, 0, 0, 1]), Ok(vec![0, 0x90, 0]));
        assert_eq!(
            t.finish(),
            Err(TranscriptError::Leftover(1, "00B0000101".into()))
        );
    }

    #[test]
    #[should_panic(expected = "transcript dropped without finish")]
    fn forgotten_leftovers_panic_on_drop() {
        let _t = Transcript::from_hex(&[("00B0000001", "009000")]);
    }
}
