//! What tshark (and mergecap, capinfos) make of a recording, in the terms of [`Convs`].

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use super::{Conv, Convs, note};

/// Runs tshark (or another Wireshark tool) and returns its standard output; fails with a clear
/// message when the tool is missing, fails, or calls the file damaged.
pub fn wireshark_tool(tool: &str, args: &[&str]) -> String {
    let out = match Command::new(tool).args(args).output() {
        Ok(out) => out,
        Err(e) => panic!(
            "cannot run {tool} ({e}): the live_record tests need tshark and mergecap \
             (Debian package `tshark`)"
        ),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{tool} {args:?} failed: {stderr}");
    for bad in ["cut short", "damaged", "corrupt", "isn't a capture file"] {
        assert!(!stderr.contains(bad), "{tool} {args:?}: {stderr}");
    }
    String::from_utf8(out.stdout).unwrap()
}

pub fn tshark(args: &[&str]) -> String {
    wireshark_tool("tshark", args)
}

/// `10.0.0.2:40001` or `2001:db8::2:40002` (tshark's conversation tables) as an address.
pub fn conv_addr(s: &str) -> SocketAddr {
    let (ip, port) = s.rsplit_once(':').unwrap();
    SocketAddr::new(ip.parse().unwrap(), port.parse().unwrap())
}

/// What tshark finds in `file`: the conversations of `tshark -z conv,tcp -z conv,udp` with
/// their frame counts, and the bytes of `tshark -z follow,tcp,raw,N` (`follow,udp,raw,N`) of
/// each. Frame counts and ends are left empty.
pub fn tshark_convs(file: &Path) -> Convs {
    let file = file.to_str().unwrap();
    let tables = tshark(&["-r", file, "-q", "-z", "conv,tcp", "-z", "conv,udp"]);
    // (transport, A, B, frames B->A, frames A->B), in tshark's stream order per transport.
    let mut rows = Vec::new();
    let mut transport = "";
    for line in tables.lines() {
        match line {
            "TCP Conversations" => transport = "tcp",
            "UDP Conversations" => transport = "udp",
            _ => {}
        }
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.get(1) == Some(&"<->") {
            rows.push((transport, conv_addr(w[0]), conv_addr(w[2]), w[3], w[6]));
        }
    }
    let mut args = vec!["-r", file, "-q"];
    let mut follows = Vec::new();
    for t in ["tcp", "udp"] {
        let streams = rows.iter().filter(|r| r.0 == t).count();
        follows.extend((0..streams).map(|n| format!("follow,{t},raw,{n}")));
    }
    for f in &follows {
        args.extend(["-z", f.as_str()]);
    }
    let mut got = Convs::new();
    let mut current: Option<(&'static str, Vec<SocketAddr>, Conv)> = None;
    let mut finish = |c: Option<(&'static str, Vec<SocketAddr>, Conv)>| {
        if let Some((t, nodes, conv)) = c {
            // The device opened the connection (or sent the first datagram): node 0.
            assert!(got.insert((t, nodes[0], nodes[1]), conv).is_none());
        }
    };
    for line in tshark(&args).lines() {
        if let Some(kind) = line.strip_prefix("Follow: ") {
            let t = if kind.starts_with("tcp") {
                "tcp"
            } else {
                "udp"
            };
            finish(current.replace((t, Vec::new(), Conv::default())));
        } else if let Some((_, nodes, conv)) = current.as_mut() {
            if let Some(node) = line.strip_prefix("Node ") {
                nodes.push(node[3..].parse().unwrap());
            } else {
                let data = line.trim_start_matches('\t');
                if !data.is_empty() && data.bytes().all(|b| b.is_ascii_hexdigit()) {
                    note(conv, !line.starts_with('\t'), &hex(data), 0);
                }
            }
        }
    }
    finish(current);
    assert_eq!(got.len(), rows.len(), "{follows:?}");
    for (t, a, b, from_b, from_a) in rows {
        let conv = got
            .get_mut(&(t, a, b))
            .unwrap_or_else(|| panic!("{a} {b} not followed"));
        conv.packets = [from_a.parse().unwrap(), from_b.parse().unwrap()];
    }
    got
}

pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// What tshark can check of the expected conversations: bytes and packet counts.
pub fn tshark_view(expect: &Convs) -> Convs {
    expect
        .iter()
        .map(|(k, c)| {
            let conv = Conv {
                to_server: c.to_server.clone(),
                to_device: c.to_device.clone(),
                packets: c.packets,
                ..Conv::default()
            };
            (*k, conv)
        })
        .collect()
}
