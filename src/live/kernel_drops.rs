//! Datagrams the kernel dropped before the listener read them: a burst that fills a UDP
//! socket's receive buffer is lost there, before any counter of ours sees it.
//!
//! Linux counts them per socket in the `drops` column of `/proc/net/udp` and `/proc/net/udp6`,
//! where a socket is known by its inode (`/proc/self/fd/N` links to `socket:[INODE]`). Read by
//! hand: no crate reads that table, and the other way (`SO_RXQ_OVFL`, a count in every
//! datagram's control messages) needs `recvmsg`, which tokio's UDP socket does not expose
//! without unsafe code. Elsewhere the count is unknown, and said to be.

/// The listener's UDP sockets, as the kernel's tables name them.
#[derive(Debug, Default)]
pub(super) struct KernelDrops {
    sockets: usize,
    inodes: Vec<u64>,
}

impl KernelDrops {
    /// For `sockets` (before they are handed to the runtime).
    pub(super) fn new(sockets: &[std::net::UdpSocket]) -> Self {
        Self {
            sockets: sockets.len(),
            inodes: sockets.iter().filter_map(socket_inode).collect(),
        }
    }

    /// Datagrams the kernel dropped on these sockets so far (none without UDP sockets); `None`
    /// where the system does not say (not Linux, no `/proc`).
    pub(super) fn read(&self) -> Option<u64> {
        if self.sockets == 0 {
            return Some(0);
        }
        if self.inodes.is_empty() {
            return None;
        }
        let mut found = false;
        let mut drops = 0u64;
        for table in ["/proc/net/udp", "/proc/net/udp6"] {
            if let Ok(text) = std::fs::read_to_string(table) {
                let (n, f) = drops_in(&text, &self.inodes);
                drops = drops.saturating_add(n);
                found |= f;
            }
        }
        found.then_some(drops)
    }
}

/// The inode of a socket, from the link of its descriptor in `/proc/self/fd`.
#[cfg(unix)]
pub(super) fn socket_inode(s: &std::net::UdpSocket) -> Option<u64> {
    use std::os::fd::AsRawFd;
    let link = std::fs::read_link(format!("/proc/self/fd/{}", s.as_raw_fd())).ok()?;
    let link = link.to_str()?;
    link.strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

#[cfg(not(unix))]
pub(super) fn socket_inode(_: &std::net::UdpSocket) -> Option<u64> {
    None
}

/// The drops of the sockets with these inodes in one table's text, and whether any was listed.
/// A line: `sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops`.
fn drops_in(table: &str, inodes: &[u64]) -> (u64, bool) {
    let mut drops = 0u64;
    let mut found = false;
    for line in table.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let inode = cols.get(9).and_then(|c| c.parse::<u64>().ok());
        if inode.is_some_and(|i| inodes.contains(&i)) {
            found = true;
            let n = cols.last().and_then(|c| c.parse::<u64>().ok()).unwrap_or(0);
            drops = drops.saturating_add(n);
        }
    }
    (drops, found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_table_line_gives_its_socket_drops() {
        let table = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
             1234: 0100007F:22B8 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 17\n\
             1235: 0100007F:22B9 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4243 2 0000000000000000 5\n\
             garbage\n";
        assert_eq!(drops_in(table, &[4242]), (17, true));
        assert_eq!(drops_in(table, &[4242, 4243]), (22, true));
        assert_eq!(drops_in(table, &[1]), (0, false));
    }

    /// A socket nobody reads, with a small buffer, flooded over loopback: what the kernel
    /// dropped and what waits in the buffer add up to what was sent.
    #[test]
    #[cfg(target_os = "linux")]
    fn datagrams_past_a_full_buffer_are_counted() {
        let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        socket2::SockRef::from(&rx)
            .set_recv_buffer_size(4096)
            .unwrap();
        let drops = KernelDrops::new(std::slice::from_ref(&rx));
        assert_eq!(drops.read(), Some(0));
        let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let sent = 200;
        for _ in 0..sent {
            tx.send_to(&[0u8; 512], rx.local_addr().unwrap()).unwrap();
        }
        let dropped = drops.read().unwrap();
        rx.set_nonblocking(true).unwrap();
        let mut waiting = 0;
        let mut buf = [0u8; 1024];
        while rx.recv(&mut buf).is_ok() {
            waiting += 1;
        }
        assert!(
            dropped > 0 && waiting > 0,
            "{dropped} dropped, {waiting} waiting"
        );
        assert_eq!(dropped + waiting, sent);
    }
}
