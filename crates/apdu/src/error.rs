use crate::transport::TransportError;

/// Everything that can go wrong in this crate: a command or response that cannot be encoded or
/// decoded, or a transport failure during an exchange.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApduError {
    /// The command's data field is longer than the encoding allows.
    #[error("command data of {len} bytes is too long: at most {max} bytes fit in one APDU")]
    DataTooLong {
        /// The data length asked for.
        len: usize,
        /// The largest data length of the chosen encoding.
        max: usize,
    },
    /// The expected response length Ne is outside 1..=65536.
    #[error("expected response length {ne} is impossible: it must be 1 to 65536 bytes")]
    InvalidNe {
        /// The Ne asked for.
        ne: usize,
    },
    /// A short-length encoding was required but the command needs extended length.
    #[error(
        "the command needs extended length (data {data} bytes, Ne {ne}) but short length was required"
    )]
    NeedsExtended {
        /// Data length.
        data: usize,
        /// Expected response length (0 when absent).
        ne: usize,
    },
    /// Bytes that do not form a valid command APDU.
    #[error("malformed command APDU: {0}")]
    MalformedCommand(&'static str),
    /// Bytes that do not form a valid response APDU.
    #[error("malformed response APDU: {0}")]
    MalformedResponse(&'static str),
    /// A text that should be hexadecimal is not.
    #[error("not valid hexadecimal: {0}")]
    BadHex(String),
    /// The card kept answering 61xx/6Cxx beyond any reasonable number of rounds.
    #[error("the card kept asking for GET RESPONSE or a new Le after {0} rounds; giving up")]
    TooManyRounds(usize),
    /// The reader or the PC/SC service failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
}
