//! Helpers of the tests that run the `bn407` command: the command, a run that must succeed,
//! and its JSON-lines output read back.
// The lints the tests allow are allowed at each test's root; not every test uses every helper.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStdout, Command, Stdio};

/// The `bn407` command, to be given its arguments.
pub fn bn407_command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bn407"))
}

/// Runs `cmd` and returns its standard output; the test fails, naming the command and showing
/// its standard error, when it does not succeed.
pub fn stdout_of(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Each line of `out` (`decode --format jsonl`) as JSON.
pub fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    std::str::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Starts `bn407 listen` on a free port of 127.0.0.1, with `args` after; returns the child,
/// the address its first line names and the rest of its standard output.
pub fn spawn_listen<S: AsRef<OsStr>>(
    args: impl IntoIterator<Item = S>,
) -> (Child, SocketAddr, BufReader<ChildStdout>) {
    let mut child = bn407_command()
        .args(["listen", "--port", "0", "--bind", "127.0.0.1"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    // "== listening on tcp 127.0.0.1:PORT, udp 127.0.0.1:PORT"
    let addr = first
        .split(['\n', ','])
        .find_map(|p| p.trim().rsplit(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    (child, addr, out)
}
