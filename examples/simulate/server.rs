//! The simulator's platform server: answers frames as a tracking platform would, and writes a
//! Traccar-style log of what it reads and writes.

use super::*;

/// What the listener knows of one connection (or UDP peer).
#[derive(Default)]
struct Session {
    imei: String,
    heartbeats: u32,
    reports: u32,
    commanded: bool,
}

impl Session {
    /// The server's answers to one frame.
    fn answer(&mut self, frame: &str) -> Vec<String> {
        let f = frame.trim().trim_end_matches(';');
        if let Some(rest) = f.strip_prefix("##,imei:") {
            self.imei = rest.split(',').next().unwrap_or("").to_string();
            return vec!["LOAD".into()];
        }
        if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) {
            self.heartbeats += 1;
            let mut out = vec!["ON".to_string()];
            if self.heartbeats >= 4 && self.reports == 0 && !self.commanded {
                self.commanded = true;
                out.push(format!("**,imei:{},C,30s;", self.imei));
            }
            return out;
        }
        if let Some(rest) = f.strip_prefix("imei:") {
            self.reports += 1;
            let mut parts = rest.split(',');
            if let (Some(imei), Some("help me")) = (parts.next(), parts.next()) {
                return vec![format!("**,imei:{imei},E;")];
            }
        }
        Vec::new()
    }
}

/// Cuts complete frames (ending at `;`) off the front of `buf`.
fn take_frames(buf: &mut Vec<u8>) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(end) = buf.iter().position(|&b| b == b';') {
        out.push(String::from_utf8_lossy(&buf.drain(..=end).collect::<Vec<u8>>()).into_owned());
    }
    out
}

pub(crate) struct Server {
    /// False for the scenario whose platform never answers.
    pub(crate) answer: bool,
    /// Where the Traccar-style log goes, if anywhere.
    pub(crate) log: Option<Mutex<File>>,
    /// The next connection id.
    pub(crate) ids: AtomicU32,
}

impl Server {
    /// A Traccar-style connection id: `T` or `U` and 8 hex digits.
    fn conn_id(&self, prefix: char) -> String {
        let n = self.ids.fetch_add(1, Ordering::Relaxed);
        format!(
            "{prefix}{:08x}",
            0x3f2a_1c0b_u32 ^ n.wrapping_mul(0x9e37_79b9)
        )
    }

    fn log(&self, id: &str, to_device: bool, peer: IpAddr, bytes: &[u8]) {
        let Some(file) = &self.log else { return };
        let [y, mo, d, h, mi, s] = civil(now_ms() / 1000);
        let arrow = if to_device { '>' } else { '<' };
        let mut line = format!(
            "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}  INFO: [{id}: gps103 {arrow} {peer}] HEX: "
        );
        for b in bytes {
            let _ = write!(line, "{b:02x}");
        }
        line.push('\n');
        file.lock()
            .expect("log lock poisoned")
            .write_all(line.as_bytes())
            .expect("cannot write the log");
    }

    fn tcp_conn(&self, mut sock: TcpStream, peer: IpAddr) {
        let _ = sock.set_nodelay(true);
        let id = self.conn_id('T');
        let (mut session, mut buf, mut chunk) = (Session::default(), Vec::new(), [0u8; 2048]);
        while let Ok(n @ 1..) = sock.read(&mut chunk) {
            self.log(&id, false, peer, &chunk[..n]);
            buf.extend_from_slice(&chunk[..n]);
            for frame in take_frames(&mut buf) {
                for reply in session.answer(&frame).into_iter().filter(|_| self.answer) {
                    self.log(&id, true, peer, reply.as_bytes());
                    if sock.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            }
        }
    }

    fn udp_loop(&self, sock: &UdpSocket) {
        let mut sessions: Vec<(SocketAddr, String, Session)> = Vec::new();
        let mut buf = [0u8; 2048];
        while let Ok((n, peer)) = sock.recv_from(&mut buf) {
            if !sessions.iter().any(|s| s.0 == peer) {
                sessions.push((peer, self.conn_id('U'), Session::default()));
            }
            let Some((_, id, session)) = sessions.iter_mut().find(|s| s.0 == peer) else {
                continue;
            };
            self.log(id, false, peer.ip(), &buf[..n]);
            for reply in session
                .answer(&String::from_utf8_lossy(&buf[..n]))
                .into_iter()
                .filter(|_| self.answer)
            {
                self.log(id, true, peer.ip(), reply.as_bytes());
                let _ = sock.send_to(reply.as_bytes(), peer);
            }
        }
    }

    /// Binds TCP and UDP on 127.0.0.1 and TCP on ::1 (when available); serves in threads.
    pub(crate) fn start(self: &Arc<Self>, port: u16) {
        for ip in [V4, V6] {
            let listener = match TcpListener::bind((ip, port)) {
                Ok(l) => l,
                Err(e) if ip == V6 => return eprintln!("simulate: no TCP on [::1]:{port}: {e}"),
                Err(e) => panic!("cannot listen on {ip}:{port} (TCP): {e}"),
            };
            let me = Arc::clone(self);
            thread::spawn(move || {
                for (sock, peer) in listener
                    .incoming()
                    .flatten()
                    .filter_map(|s| s.peer_addr().map(|p| (s, p)).ok())
                {
                    let me = Arc::clone(&me);
                    thread::spawn(move || me.tcp_conn(sock, peer.ip()));
                }
            });
            if ip == V4 {
                let udp = UdpSocket::bind((ip, port))
                    .unwrap_or_else(|e| panic!("cannot listen on {ip}:{port} (UDP): {e}"));
                let me = Arc::clone(self);
                thread::spawn(move || me.udp_loop(&udp));
            }
        }
    }
}
