use std::io;
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use apdu::link::{LinkModel, is_public_key_command};

use crate::card::SimCard;
use crate::vpcd::{self, Message};

/// A command to the simulator, as typed on `cccd sim`'s standard input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Put the card on the reader.
    Insert,
    /// Take the card off the reader.
    Remove,
    /// Take the card off after answering this many more APDUs.
    RemoveAfter(u32),
    /// Stop the simulator.
    Quit,
}

impl Control {
    /// Parses one control line (`insert`, `remove`, `remove-after N`, `quit`).
    pub fn parse(line: &str) -> Result<Self, SimError> {
        let mut words = line.split_whitespace();
        let cmd = words.next().unwrap_or("");
        let arg = words.next();
        if words.next().is_some() {
            return Err(SimError::BadControl(line.trim().to_owned()));
        }
        match (cmd, arg) {
            ("insert", None) => Ok(Self::Insert),
            ("remove", None) => Ok(Self::Remove),
            ("remove-after", Some(n)) => n
                .parse()
                .map(Self::RemoveAfter)
                .map_err(|_| SimError::BadControl(line.trim().to_owned())),
            ("quit", None) => Ok(Self::Quit),
            _ => Err(SimError::BadControl(line.trim().to_owned())),
        }
    }
}

/// Errors of the simulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A control line that is not one of the commands.
    #[error("unknown command \"{0}\": use insert, remove, remove-after N or quit")]
    BadControl(String),
    /// The vpcd address is not valid.
    #[error("invalid vpcd address \"{0}\": give HOST:PORT")]
    BadAddress(String),
    /// Starting the simulator's thread failed.
    #[error("could not start the simulator thread: {0}")]
    Thread(io::Error),
}

/// What the simulator is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimulatorStatus {
    /// The card is on the reader (the simulator wants to be connected).
    pub inserted: bool,
    /// The TCP connection to pcscd's vpcd driver is up.
    pub connected: bool,
    /// APDUs answered since start.
    pub apdus: u64,
}

struct State {
    inserted: bool,
    remove_after: Option<u32>,
    quit: bool,
    stream: Option<TcpStream>,
    apdus: u64,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A virtual card on one vpcd reader slot: it connects to pcscd's vpcd driver while the card
/// is inserted and serves the driver's requests from the [`SimCard`].
pub struct Simulator {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    address: String,
}

impl Simulator {
    /// Starts serving `card` on the vpcd driver at `address` (`HOST:PORT`), card inserted.
    pub fn start(card: Box<dyn SimCard>, address: &str) -> Result<Self, SimError> {
        Self::start_with_link(card, address, None)
    }

    /// Like [`Simulator::start`], answering each APDU only after the time `link` says it takes
    /// on a contactless link.
    pub fn start_with_link(
        card: Box<dyn SimCard>,
        address: &str,
        link: Option<LinkModel>,
    ) -> Result<Self, SimError> {
        let addr = address
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| SimError::BadAddress(address.to_owned()))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                inserted: true,
                remove_after: None,
                quit: false,
                stream: None,
                apdus: 0,
            }),
            changed: Condvar::new(),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("vpcd-link".into())
            .spawn(move || run_link(&s, card, addr, link))
            .map_err(SimError::Thread)?;
        Ok(Self {
            shared,
            thread: Some(thread),
            address: address.to_owned(),
        })
    }

    /// The vpcd address served.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Applies a control command.
    pub fn control(&self, c: Control) {
        let mut st = self.shared.lock();
        match c {
            Control::Insert => st.inserted = true,
            Control::Remove => pull(&mut st),
            Control::RemoveAfter(0) => pull(&mut st),
            Control::RemoveAfter(n) => st.remove_after = Some(n),
            Control::Quit => {
                st.quit = true;
                pull(&mut st);
            }
        }
        self.shared.changed.notify_all();
    }

    /// The current status.
    pub fn status(&self) -> SimulatorStatus {
        let st = self.shared.lock();
        SimulatorStatus {
            inserted: st.inserted,
            connected: st.stream.is_some(),
            apdus: st.apdus,
        }
    }

    /// Waits until the connection to the driver is up or down (`connected`), at most `timeout`.
    pub fn wait_connected(&self, connected: bool, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut st = self.shared.lock();
        while st.stream.is_some() != connected {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            st = self
                .shared
                .changed
                .wait_timeout(st, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }

    /// True once `quit` was asked.
    pub fn quit_requested(&self) -> bool {
        self.shared.lock().quit
    }

    /// Blocks until `quit` is asked.
    pub fn wait_quit(&self) {
        let mut st = self.shared.lock();
        while !st.quit {
            st = self
                .shared
                .changed
                .wait(st)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.control(Control::Quit);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Takes the card away: no more APDUs are answered and the driver sees the card gone.
fn pull(st: &mut State) {
    st.inserted = false;
    st.remove_after = None;
    if let Some(s) = st.stream.take() {
        let _ = s.shutdown(Shutdown::Both);
    }
}

const RETRY: Duration = Duration::from_millis(200);

fn run_link(
    shared: &Shared,
    mut card: Box<dyn SimCard>,
    addr: std::net::SocketAddr,
    link: Option<LinkModel>,
) {
    let mut warned = false;
    loop {
        {
            let mut st = shared.lock();
            while !st.inserted && !st.quit {
                st = shared
                    .changed
                    .wait(st)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if st.quit {
                return;
            }
        }
        let stream = match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            Ok(s) => s,
            Err(e) => {
                if !warned {
                    tracing::warn!(%addr, error = %e, "cannot reach pcscd's vpcd driver; retrying (is pcscd running with vsmartcard-vpcd installed?)");
                    warned = true;
                }
                let st = shared.lock();
                let _ = shared.changed.wait_timeout(st, RETRY);
                continue;
            }
        };
        warned = false;
        let _ = stream.set_nodelay(true);
        let Ok(reader) = stream.try_clone() else {
            continue;
        };
        {
            let mut st = shared.lock();
            if !st.inserted || st.quit {
                continue;
            }
            st.stream = Some(stream);
            shared.changed.notify_all();
        }
        tracing::info!(%addr, "card inserted (connected to vpcd)");
        card.power_on();
        serve(shared, card.as_mut(), reader, link);
        card.power_off();
        {
            let mut st = shared.lock();
            st.stream = None;
            shared.changed.notify_all();
        }
        tracing::info!(%addr, "card removed (disconnected from vpcd)");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn serve(shared: &Shared, card: &mut dyn SimCard, mut conn: TcpStream, link: Option<LinkModel>) {
    loop {
        let msg = match vpcd::read_message(&mut QuickAck(&conn)) {
            Ok(Some(m)) => m,
            Ok(None) | Err(_) => return,
        };
        let is_apdu = matches!(msg, Message::Apdu(_));
        let delay = match (&msg, link) {
            (Message::Apdu(c), Some(l)) => Some((l, c.len(), is_public_key_command(c))),
            _ => None,
        };
        let reply = match msg {
            Message::Control(vpcd::CTRL_OFF) => {
                card.power_off();
                None
            }
            Message::Control(vpcd::CTRL_ON) => {
                card.power_on();
                None
            }
            Message::Control(vpcd::CTRL_RESET) => {
                card.reset();
                None
            }
            Message::Control(vpcd::CTRL_ATR) => Some(card.atr()),
            Message::Control(code) => {
                tracing::debug!(code, "unknown vpcd control code ignored");
                None
            }
            Message::Apdu(apdu) => Some(card.process(&apdu)),
        };
        // Count before answering: once the answer is out, the test or script may already send
        // the next control command, which must apply to the APDUs after this one.
        let pull_after = is_apdu && {
            let mut st = shared.lock();
            st.apdus += 1;
            match st.remove_after.as_mut() {
                Some(n) => {
                    *n = n.saturating_sub(1);
                    *n == 0
                }
                None => false,
            }
        };
        if let (Some((l, cmd_len, pk)), Some(r)) = (delay, &reply) {
            std::thread::sleep(l.exchange_time(cmd_len, r.len(), pk));
        }
        if let Some(r) = reply
            && vpcd::write_message(&mut conn, &r).is_err()
        {
            return;
        }
        if pull_after {
            tracing::info!("card pulled after the requested number of APDUs");
            let mut st = shared.lock();
            pull(&mut st);
            shared.changed.notify_all();
            return;
        }
    }
}

/// Reads with TCP_QUICKACK set before every read. pcscd's vpcd driver writes a message's
/// 2-byte length and its body in two sends; with Nagle's algorithm on the driver's side and
/// delayed acknowledgements on ours, the body waits about 40 ms for our ACK of the length.
/// That would make every simulated APDU cost 40 ms, far more than a real card over a reader, and
/// ruin the link model. Acknowledging at once removes the artefact.
struct QuickAck<'a>(&'a TcpStream);

impl std::io::Read for QuickAck<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(target_os = "linux")]
        {
            // Best effort: without it the simulator is only slower.
            let _ = socket2::SockRef::from(self.0).set_tcp_quickack(true);
        }
        (&mut &*self.0).read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::net::TcpListener;

    fn exchange(conn: &mut TcpStream, payload: &[u8]) -> Vec<u8> {
        vpcd::write_message(conn, payload).unwrap();
        match vpcd::read_message(conn).unwrap() {
            Some(Message::Apdu(r)) => r,
            other => panic!("unexpected {other:?}"),
        }
    }

    /// A fake vpcd driver on loopback drives the simulator like pcscd would.
    #[test]
    fn serves_a_driver_and_pulls_the_card_on_request() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let sim = Simulator::start(Box::new(crate::default_card()), &addr).unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        assert!(sim.wait_connected(true, Duration::from_secs(10)));
        vpcd::write_message(&mut conn, &[vpcd::CTRL_ON]).unwrap();
        vpcd::write_message(&mut conn, &[vpcd::CTRL_ATR]).unwrap();
        let atr = match vpcd::read_message(&mut conn).unwrap() {
            Some(Message::Apdu(a)) => a,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(atr, crate::default_card().atr());
        assert_eq!(
            exchange(&mut conn, &hex::decode("00A4040C07A0000002471001").unwrap()),
            vec![0x90, 0x00]
        );
        sim.control(Control::RemoveAfter(2));
        assert_eq!(
            exchange(&mut conn, &hex::decode("00A4020C02011E").unwrap()),
            vec![0x90, 0x00]
        );
        assert_eq!(
            exchange(&mut conn, &hex::decode("00B0000002").unwrap()),
            vec![0x60, 0x18, 0x90, 0x00]
        );
        // The third APDU finds the card gone: the connection is closed.
        vpcd::write_message(&mut conn, &hex::decode("00B0000002").unwrap()).unwrap_or(());
        assert!(matches!(vpcd::read_message(&mut conn), Ok(None) | Err(_)));
        assert!(sim.wait_connected(false, Duration::from_secs(10)));
        assert_eq!(
            sim.status(),
            SimulatorStatus {
                inserted: false,
                connected: false,
                apdus: 3
            }
        );
        // Insert again: the simulator reconnects, with a fresh card session.
        sim.control(Control::Insert);
        let (mut conn, _) = listener.accept().unwrap();
        assert_eq!(
            exchange(&mut conn, &hex::decode("00B0000002").unwrap()),
            vec![0x69, 0x86]
        );
        sim.control(Control::Quit);
        assert!(sim.quit_requested());
    }

    #[test]
    fn control_lines() {
        assert_eq!(Control::parse("insert").unwrap(), Control::Insert);
        assert_eq!(Control::parse("  remove \n").unwrap(), Control::Remove);
        assert_eq!(
            Control::parse("remove-after 2").unwrap(),
            Control::RemoveAfter(2)
        );
        assert_eq!(Control::parse("quit").unwrap(), Control::Quit);
        for bad in ["", "remove-after", "remove-after x", "insert now", "eject"] {
            assert!(Control::parse(bad).is_err(), "{bad}");
        }
    }
}
