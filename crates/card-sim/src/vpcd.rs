//! The vsmartcard `vpcd` protocol, card side.
//!
//! pcscd's vpcd driver listens on TCP (port 35963 for slot 0, 35964 for slot 1); a virtual
//! card connects to it and is "on the reader" while the connection lasts. Every message is
//! framed by a 2-byte big-endian length. A 1-byte message is a control code (0 power off,
//! 1 power on, 2 reset, 4 get ATR, to which the card answers with its ATR); any longer message
//! is a command APDU, answered with the response APDU.
//!
//! No maintained crate implements this protocol (vsmartcard ships C and Python), so it is
//! written here; it is small.

use std::io::{self, Read, Write};

/// Default host of pcscd's vpcd driver.
pub const DEFAULT_HOST: &str = "127.0.0.1";
/// TCP port of vpcd slot 0; slot n listens on `BASE_PORT + n`.
pub const BASE_PORT: u16 = 35963;

/// Control code: power off.
pub const CTRL_OFF: u8 = 0;
/// Control code: power on.
pub const CTRL_ON: u8 = 1;
/// Control code: reset.
pub const CTRL_RESET: u8 = 2;
/// Control code: get the ATR.
pub const CTRL_ATR: u8 = 4;

/// One message from the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A control code.
    Control(u8),
    /// A command APDU.
    Apdu(Vec<u8>),
}

/// Reads one framed message; `Ok(None)` when the driver closed the connection cleanly.
pub fn read_message(r: &mut impl Read) -> io::Result<Option<Message>> {
    let mut len = [0u8; 2];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let n = u16::from_be_bytes(len) as usize;
    let mut buf = vec![0; n];
    r.read_exact(&mut buf)?;
    Ok(Some(match buf.as_slice() {
        [code] => Message::Control(*code),
        _ => Message::Apdu(buf),
    }))
}

/// Writes one framed message.
pub fn write_message(w: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "vpcd message longer than 65535 bytes",
        )
    })?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    w.write_all(&frame)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_round_trip() {
        let mut buf = Vec::new();
        write_message(&mut buf, &[CTRL_ATR]).unwrap();
        write_message(&mut buf, &[0x00, 0xA4, 0x04, 0x0C]).unwrap();
        assert_eq!(buf, vec![0, 1, 4, 0, 4, 0x00, 0xA4, 0x04, 0x0C]);
        let mut r = buf.as_slice();
        assert_eq!(
            read_message(&mut r).unwrap(),
            Some(Message::Control(CTRL_ATR))
        );
        assert_eq!(
            read_message(&mut r).unwrap(),
            Some(Message::Apdu(vec![0x00, 0xA4, 0x04, 0x0C]))
        );
        assert_eq!(read_message(&mut r).unwrap(), None);
        assert!(write_message(&mut Vec::new(), &vec![0; 65_536]).is_err());
        let mut truncated: &[u8] = &[0, 5, 1, 2];
        assert!(read_message(&mut truncated).is_err());
    }
}
