//! Helpers of the tests that run the `bn407` command: the command, a run that must succeed,
//! its JSON-lines output read back, and an empty scratch folder for its files.
// The lints the tests allow are allowed at each test's root; not every test uses every helper.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};

/// The `bn407` command, to be given its arguments.
pub fn bn407_command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bn407"))
}

/// An empty folder `bn407-<what>-<process id>-<name>` in the system's temporary folder (emptied
/// when it is there from an earlier run).
pub fn scratch_dir(what: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bn407-{what}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
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
