//! Link layers: from a captured frame to the IP packet it carries.
//!
//! Hand-written rather than etherparse's `SlicedPacket`, which stops after two VLAN tags and
//! knows neither SLL2 nor the BSD loopback headers; each header here is a few fixed fields.

use crate::capture::LinkType;

/// EtherTypes that matter here.
const ETH_IPV4: u16 = 0x0800;
const ETH_IPV6: u16 = 0x86dd;
/// 802.1Q, 802.1ad (QinQ) and the old pre-standard QinQ tags.
const VLAN_TAGS: [u16; 4] = [0x8100, 0x88a8, 0x9100, 0x9200];
/// The most VLAN tags unwrapped before giving up.
const MAX_TAGS: usize = 8;

/// An IP packet found in a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ip<'a> {
    /// An IPv4 packet, from its header.
    V4(&'a [u8]),
    /// An IPv6 packet, from its header.
    V6(&'a [u8]),
}

/// Why a frame yields no IP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotIp {
    /// Carries something else (ARP, LLDP, ...), or the link type is not supported.
    Other,
    /// Too short for its own headers.
    Malformed,
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

/// Finds the IP packet in a frame of the given link type.
pub(crate) fn ip_payload(link: LinkType, data: &[u8]) -> Result<Ip<'_>, NotIp> {
    match link {
        LinkType::Ethernet => {
            let ethertype = be16(data, 12).ok_or(NotIp::Malformed)?;
            by_ethertype(ethertype, data.get(14..).ok_or(NotIp::Malformed)?)
        }
        LinkType::LinuxSll => {
            // packet type, ARPHRD type, address length, 8 address bytes, protocol.
            let protocol = be16(data, 14).ok_or(NotIp::Malformed)?;
            by_ethertype(protocol, data.get(16..).ok_or(NotIp::Malformed)?)
        }
        LinkType::LinuxSll2 => {
            // protocol, reserved, interface index, ARPHRD type, packet type, address length,
            // 8 address bytes.
            let protocol = be16(data, 0).ok_or(NotIp::Malformed)?;
            by_ethertype(protocol, data.get(20..).ok_or(NotIp::Malformed)?)
        }
        LinkType::Null | LinkType::Loop => {
            let family: [u8; 4] = data
                .get(..4)
                .and_then(|b| b.try_into().ok())
                .ok_or(NotIp::Malformed)?;
            let rest = data.get(4..).ok_or(NotIp::Malformed)?;
            // The family is in the capturing host's byte order (Null) or big-endian (Loop):
            // accept either. AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD,
            // OpenBSD), 28 (FreeBSD), 30 (macOS).
            let value = u32::from_le_bytes(family).min(u32::from_be_bytes(family));
            match value {
                2 => Ok(Ip::V4(rest)),
                10 | 24 | 28 | 30 => Ok(Ip::V6(rest)),
                _ => Err(NotIp::Other),
            }
        }
        LinkType::RawIp => by_version(data),
        LinkType::Ipv4 => Ok(Ip::V4(data)),
        LinkType::Ipv6 => Ok(Ip::V6(data)),
        LinkType::Other(_) => Err(NotIp::Other),
    }
}

/// Unwraps VLAN tags, then picks the IP version by EtherType.
fn by_ethertype(mut ethertype: u16, mut rest: &[u8]) -> Result<Ip<'_>, NotIp> {
    for _ in 0..MAX_TAGS {
        if !VLAN_TAGS.contains(&ethertype) {
            break;
        }
        ethertype = be16(rest, 2).ok_or(NotIp::Malformed)?;
        rest = rest.get(4..).ok_or(NotIp::Malformed)?;
    }
    match ethertype {
        ETH_IPV4 => Ok(Ip::V4(rest)),
        ETH_IPV6 => Ok(Ip::V6(rest)),
        _ => Err(NotIp::Other),
    }
}

/// Raw IP: the version is the first nibble.
fn by_version(data: &[u8]) -> Result<Ip<'_>, NotIp> {
    match data.first().map(|b| b >> 4) {
        Some(4) => Ok(Ip::V4(data)),
        Some(6) => Ok(Ip::V6(data)),
        Some(_) => Err(NotIp::Other),
        None => Err(NotIp::Malformed),
    }
}
