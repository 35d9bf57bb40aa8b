//! The IP packets of a recording: a TCP connection's segments with sequence numbers that
//! follow its bytes, and UDP datagrams, built with etherparse from the socket addresses.
//!
//! Everything here is synthesized from what the listener's sockets saw: the kernel's own
//! segmentation, retransmissions and acknowledgements are unknown to it, so the segments
//! follow the listener's reads and writes instead. Sequence numbers start at a per-side ISN
//! and advance by exactly the bytes sent (plus one for SYN and FIN), so any reassembler gives
//! back the bytes in order.

use std::io;
use std::net::{IpAddr, SocketAddr};

use etherparse::PacketBuilder;

/// The most payload in one TCP segment: with a 60-byte IPv4 header and a 60-byte TCP header
/// the packet still fits the 65,535 bytes of an IP packet.
pub(crate) const MAX_SEGMENT: usize = 65_000;

/// The window every segment advertises (no window scaling is negotiated).
const WINDOW: u16 = 65_535;

/// Time to live / hop limit of the recorded packets.
const TTL: u8 = 64;

/// A pair of addresses of one family, as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pair {
    /// The device's address.
    pub device: SocketAddr,
    /// The server's address.
    pub server: SocketAddr,
}

impl Pair {
    /// The addresses as recorded: a v4-mapped IPv6 address (a dual-stack socket's view of an
    /// IPv4 peer) becomes IPv4; if the families still differ, the IPv4 one becomes v4-mapped
    /// IPv6 so that both fit one IPv6 header.
    pub(crate) fn new(device: SocketAddr, server: SocketAddr) -> Pair {
        let canon = |a: SocketAddr| SocketAddr::new(a.ip().to_canonical(), a.port());
        let (device, server) = (canon(device), canon(server));
        let mapped = |a: SocketAddr| match a.ip() {
            IpAddr::V4(v4) => SocketAddr::new(IpAddr::V6(v4.to_ipv6_mapped()), a.port()),
            IpAddr::V6(_) => a,
        };
        if device.is_ipv4() == server.is_ipv4() {
            Pair { device, server }
        } else {
            Pair {
                device: mapped(device),
                server: mapped(server),
            }
        }
    }

    /// Source and destination for a packet sent by the device (`true`) or the server.
    fn oriented(&self, from_device: bool) -> (SocketAddr, SocketAddr) {
        if from_device {
            (self.device, self.server)
        } else {
            (self.server, self.device)
        }
    }
}

/// The control bits and numbers of one TCP segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Segment {
    /// Sequence number of the first byte (or of the SYN or FIN).
    pub seq: u32,
    /// Acknowledgement number, when the ACK bit is set.
    pub ack: Option<u32>,
    /// SYN bit.
    pub syn: bool,
    /// FIN bit.
    pub fin: bool,
    /// RST bit.
    pub rst: bool,
}

/// Starts an IP packet between `src` and `dst` (the same family, see [`Pair::new`]).
fn ip(src: SocketAddr, dst: SocketAddr) -> etherparse::PacketBuilderStep<etherparse::IpHeaders> {
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), TTL),
        (s, d) => {
            let v6 = |a: IpAddr| match a {
                IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
                IpAddr::V6(v6) => v6.octets(),
            };
            PacketBuilder::ipv6(v6(s), v6(d), TTL)
        }
    }
}

fn build_error(e: etherparse::err::packet::BuildWriteError) -> io::Error {
    match e {
        etherparse::err::packet::BuildWriteError::Io(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidInput, other.to_string()),
    }
}

/// Replaces `out` with an IP packet carrying one TCP segment (PSH is set when there is
/// payload).
pub(crate) fn tcp(
    out: &mut Vec<u8>,
    pair: &Pair,
    from_device: bool,
    seg: &Segment,
    payload: &[u8],
) -> io::Result<()> {
    let (src, dst) = pair.oriented(from_device);
    let mut b = ip(src, dst).tcp(src.port(), dst.port(), seg.seq, WINDOW);
    if seg.syn {
        b = b.syn();
    }
    if let Some(ack) = seg.ack {
        b = b.ack(ack);
    }
    if !payload.is_empty() {
        b = b.psh();
    }
    if seg.fin {
        b = b.fin();
    }
    if seg.rst {
        b = b.rst();
    }
    out.clear();
    b.write(out, payload).map_err(build_error)
}

/// Replaces `out` with an IP packet carrying one UDP datagram; a payload too long for one IP
/// packet is an `InvalidInput` error (a socket never delivers one).
pub(crate) fn udp(
    out: &mut Vec<u8>,
    pair: &Pair,
    from_device: bool,
    payload: &[u8],
) -> io::Result<()> {
    let (src, dst) = pair.oriented(from_device);
    out.clear();
    ip(src, dst)
        .udp(src.port(), dst.port())
        .write(out, payload)
        .map_err(build_error)
}

/// A 32-bit initial sequence number from a seed (SplitMix64's finalizer): spread over the
/// whole space, so sequence wraparound happens in recordings as it does on the wire.
pub(crate) fn isn(seed: u64) -> u32 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ((z ^ (z >> 31)) >> 32) as u32
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use etherparse::{NetSlice, SlicedPacket, TransportSlice};

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn v4_mapped_addresses_are_recorded_as_ipv4() {
        let p = Pair::new(
            addr("[::ffff:10.0.0.2]:4000"),
            addr("[::ffff:10.0.0.1]:8888"),
        );
        assert_eq!(p.device, addr("10.0.0.2:4000"));
        assert_eq!(p.server, addr("10.0.0.1:8888"));
        let mixed = Pair::new(addr("10.0.0.2:4000"), addr("[2001:db8::1]:8888"));
        assert_eq!(mixed.device, addr("[::ffff:10.0.0.2]:4000"));
        assert_eq!(mixed.server, addr("[2001:db8::1]:8888"));
        let mut out = Vec::new();
        tcp(&mut out, &mixed, true, &Segment::default(), b"x").unwrap();
        assert_eq!(out[0] >> 4, 6);
    }

    #[test]
    fn segment_fields_and_payload_survive_a_parse() {
        let p = Pair::new(addr("[2001:db8::2]:4000"), addr("[2001:db8::1]:8888"));
        let seg = Segment {
            seq: u32::MAX - 1,
            ack: Some(7),
            fin: true,
            ..Segment::default()
        };
        let mut out = Vec::new();
        tcp(&mut out, &p, false, &seg, b"LOAD").unwrap();
        let parsed = SlicedPacket::from_ip(&out).unwrap();
        assert!(matches!(parsed.net, Some(NetSlice::Ipv6(_))));
        let Some(TransportSlice::Tcp(t)) = parsed.transport else {
            unreachable!("not TCP")
        };
        assert_eq!((t.source_port(), t.destination_port()), (8888, 4000));
        assert_eq!(t.sequence_number(), u32::MAX - 1);
        assert_eq!(t.acknowledgment_number(), 7);
        assert!(t.fin() && t.ack() && t.psh() && !t.syn() && !t.rst());
        assert_eq!(t.payload(), b"LOAD");
    }

    #[test]
    fn a_maximal_segment_fits_and_an_oversize_datagram_is_an_error() {
        let p = Pair::new(addr("10.0.0.2:4000"), addr("10.0.0.1:8888"));
        let mut out = Vec::new();
        tcp(
            &mut out,
            &p,
            true,
            &Segment::default(),
            &[b'x'; MAX_SEGMENT],
        )
        .unwrap();
        assert_eq!(out.len(), MAX_SEGMENT + 40);
        udp(&mut out, &p, true, &[0; 65_507]).unwrap();
        let e = udp(&mut out, &p, true, &[0; 65_508]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn isns_differ_by_seed() {
        assert_ne!(isn(1), isn(2));
        assert_eq!(isn(5), isn(5));
    }
}
