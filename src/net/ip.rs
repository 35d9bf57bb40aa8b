//! IPv4 and IPv6 (with fragments reassembled), then the TCP or UDP header.
//!
//! Headers are read with etherparse; its types end here. Checksums are not checked: captures
//! taken on the sending host carry offloaded, unfinished checksums.

use std::net::{IpAddr, SocketAddr};

use etherparse::{Ipv4HeaderSlice, Ipv6HeaderSlice, TcpHeaderSlice, UdpHeaderSlice};

use super::defrag::{Defrag, FragKey, FragResult};
use super::link::Ip;
use crate::capture::Timestamp;

const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
/// The most IPv6 extension headers walked.
const MAX_EXTS: usize = 16;

/// An IP payload with its addresses.
#[derive(Debug)]
pub(crate) struct Datagram<'a> {
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    pub(crate) proto: u8,
    pub(crate) payload: &'a [u8],
    /// Payload bytes the IP header announces but the capture does not hold (snapshot length).
    pub(crate) missing: usize,
    /// Whether the datagram was reassembled from fragments.
    pub(crate) reassembled: bool,
}

/// What an IP packet turned out to be.
#[derive(Debug)]
pub(crate) enum IpOutcome<'a> {
    /// A whole (or reassembled) datagram.
    Datagram(Datagram<'a>),
    /// A fragment kept for later.
    Fragment,
    /// A fragment that cannot be used.
    BadFragment,
    /// Headers that do not parse.
    Malformed,
}

/// Parses an IP packet, passing fragments to `defrag`.
pub(crate) fn parse<'a>(
    ip: Ip<'a>,
    ts: Option<Timestamp>,
    defrag: &'a mut Defrag,
) -> IpOutcome<'a> {
    match ip {
        Ip::V4(data) => v4(data, ts, defrag),
        Ip::V6(data) => v6(data, ts, defrag),
    }
}

/// Splits `data` at the length the header announces; the second value counts missing bytes.
fn announced(data: &[u8], header: usize, total: usize) -> Option<(&[u8], usize)> {
    let end = total.min(data.len());
    let payload = data.get(header..end)?;
    Some((payload, total - end))
}

fn v4<'a>(data: &'a [u8], ts: Option<Timestamp>, defrag: &'a mut Defrag) -> IpOutcome<'a> {
    let Ok(h) = Ipv4HeaderSlice::from_slice(data) else {
        return IpOutcome::Malformed;
    };
    let header = h.slice().len();
    // A total length of 0 comes from segmentation offload on the capturing host.
    let total = match usize::from(h.total_len()) {
        0 => data.len(),
        t => t,
    };
    let Some((payload, missing)) = announced(data, header, total) else {
        return IpOutcome::Malformed;
    };
    let (src, dst) = (
        IpAddr::V4(h.source_addr()),
        IpAddr::V4(h.destination_addr()),
    );
    let proto = h.protocol().0;
    let offset = usize::from(h.fragments_offset().value()) * 8;
    if !h.more_fragments() && offset == 0 {
        return datagram(src, dst, proto, payload, missing, false);
    }
    if missing > 0 {
        return IpOutcome::BadFragment;
    }
    let key = FragKey {
        src,
        dst,
        id: u32::from(h.identification()),
        proto,
    };
    fragment(
        defrag.add(key, ts, offset, h.more_fragments(), payload),
        src,
        dst,
        proto,
    )
}

/// A whole datagram (`missing` payload bytes not captured; `reassembled` from fragments).
fn datagram(
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    payload: &[u8],
    missing: usize,
    reassembled: bool,
) -> IpOutcome<'_> {
    IpOutcome::Datagram(Datagram {
        src,
        dst,
        proto,
        payload,
        missing,
        reassembled,
    })
}

fn fragment(result: FragResult<'_>, src: IpAddr, dst: IpAddr, proto: u8) -> IpOutcome<'_> {
    match result {
        FragResult::Complete(payload) => datagram(src, dst, proto, payload, 0, true),
        FragResult::Waiting => IpOutcome::Fragment,
        FragResult::Bad => IpOutcome::BadFragment,
    }
}

/// A fragment header's fields.
struct Frag {
    offset: usize,
    more: bool,
    id: u32,
}

/// Walks IPv6 extension headers up to the upper-layer header or a fragment header.
fn v6_exts(mut next: u8, mut body: &[u8]) -> Option<(u8, &[u8], Option<Frag>)> {
    for _ in 0..MAX_EXTS {
        let len = match next {
            // hop-by-hop, routing, destination options
            0 | 43 | 60 => (usize::from(*body.get(1)?) + 1) * 8,
            // authentication header
            51 => (usize::from(*body.get(1)?) + 2) * 4,
            44 => {
                let word = u16::from_be_bytes(body.get(2..4)?.try_into().ok()?);
                let id = u32::from_be_bytes(body.get(4..8)?.try_into().ok()?);
                let frag = Frag {
                    offset: usize::from(word >> 3) * 8,
                    more: word & 1 == 1,
                    id,
                };
                let next = *body.first()?;
                return Some((next, body.get(8..)?, Some(frag)));
            }
            _ => return Some((next, body, None)),
        };
        next = *body.first()?;
        body = body.get(len..)?;
    }
    None
}

fn v6<'a>(data: &'a [u8], ts: Option<Timestamp>, defrag: &'a mut Defrag) -> IpOutcome<'a> {
    let Ok(h) = Ipv6HeaderSlice::from_slice(data) else {
        return IpOutcome::Malformed;
    };
    let total = 40 + usize::from(h.payload_length());
    let Some((body, missing)) = announced(data, 40, total) else {
        return IpOutcome::Malformed;
    };
    let (src, dst) = (
        IpAddr::V6(h.source_addr()),
        IpAddr::V6(h.destination_addr()),
    );
    let Some((proto, payload, frag)) = v6_exts(h.next_header().0, body) else {
        return IpOutcome::Malformed;
    };
    let Some(frag) = frag else {
        return datagram(src, dst, proto, payload, missing, false);
    };
    if frag.offset == 0 && !frag.more {
        // An atomic fragment: the payload follows whole.
        return match v6_exts(proto, payload) {
            Some((proto, payload, _)) => datagram(src, dst, proto, payload, missing, false),
            None => IpOutcome::Malformed,
        };
    }
    if missing > 0 {
        return IpOutcome::BadFragment;
    }
    let key = FragKey {
        src,
        dst,
        id: frag.id,
        proto,
    };
    match defrag.add(key, ts, frag.offset, frag.more, payload) {
        FragResult::Complete(whole) => match v6_exts(proto, whole) {
            Some((proto, payload, None)) => datagram(src, dst, proto, payload, 0, true),
            _ => IpOutcome::Malformed,
        },
        other => fragment(other, src, dst, proto),
    }
}

/// A TCP segment's fields.
#[derive(Debug)]
pub(crate) struct TcpSeg<'a> {
    pub(crate) src: SocketAddr,
    pub(crate) dst: SocketAddr,
    pub(crate) seq: u32,
    pub(crate) ack: Option<u32>,
    pub(crate) syn: bool,
    pub(crate) fin: bool,
    pub(crate) rst: bool,
    pub(crate) payload: &'a [u8],
    /// Payload bytes not captured.
    pub(crate) missing: usize,
}

/// A UDP datagram's fields.
#[derive(Debug)]
pub(crate) struct UdpDgram<'a> {
    pub(crate) src: SocketAddr,
    pub(crate) dst: SocketAddr,
    pub(crate) payload: &'a [u8],
}

/// The transport layer of a datagram.
#[derive(Debug)]
pub(crate) enum Transport<'a> {
    Tcp(TcpSeg<'a>),
    Udp(UdpDgram<'a>),
    /// Another protocol (ICMP, ...).
    Other,
    /// A TCP or UDP header that does not parse (or was cut by the snapshot length).
    Malformed,
}

/// Reads the TCP or UDP header of a datagram.
pub(crate) fn transport<'a>(d: &Datagram<'a>) -> Transport<'a> {
    match d.proto {
        PROTO_TCP => {
            let Ok(h) = TcpHeaderSlice::from_slice(d.payload) else {
                return Transport::Malformed;
            };
            let payload = d.payload.get(h.slice().len()..).unwrap_or(&[]);
            Transport::Tcp(TcpSeg {
                src: SocketAddr::new(d.src, h.source_port()),
                dst: SocketAddr::new(d.dst, h.destination_port()),
                seq: h.sequence_number(),
                ack: h.ack().then(|| h.acknowledgment_number()),
                syn: h.syn(),
                fin: h.fin(),
                rst: h.rst(),
                payload,
                missing: d.missing,
            })
        }
        PROTO_UDP => {
            let Ok(h) = UdpHeaderSlice::from_slice(d.payload) else {
                return Transport::Malformed;
            };
            let rest = d.payload.get(8..).unwrap_or(&[]);
            // A length below 8 (jumbograms, offload) means "the rest of the packet".
            let len = usize::from(h.length()).saturating_sub(8);
            let payload = if h.length() >= 8 {
                rest.get(..len).unwrap_or(rest)
            } else {
                rest
            };
            Transport::Udp(UdpDgram {
                src: SocketAddr::new(d.src, h.source_port()),
                dst: SocketAddr::new(d.dst, h.destination_port()),
                payload,
            })
        }
        _ => Transport::Other,
    }
}
