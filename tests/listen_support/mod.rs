//! `bn407 listen` as a child process on loopback, for the tests that need the command itself
//! (its output lines, its signals): started, its port read from its first line; the line it
//! prints as it stops.
#![allow(clippy::unwrap_used, clippy::panic, dead_code)]

use std::io::{BufRead, BufReader, Lines, Read};
use std::process::{Child, ChildStdout, Command, Stdio};

/// The `== stopped: …` line of `listen`'s text output, which must be among `lines`.
pub fn stopped_line(lines: &[String]) -> &str {
    lines
        .iter()
        .find(|l| l.starts_with("== stopped:"))
        .unwrap_or_else(|| panic!("{lines:?}"))
}

/// A running `bn407 listen`.
pub struct Listen {
    pub child: Child,
    /// The port it listens on (TCP and UDP), on 127.0.0.1.
    pub port: u16,
    /// Its first line (the listening line or event).
    pub first: String,
    /// The rest of its output, line by line.
    pub out: Lines<BufReader<ChildStdout>>,
}

/// Starts `bn407 listen --bind 127.0.0.1 --port 0` with `more` options after them.
pub fn listen(more: &[&str]) -> Listen {
    let mut args = vec!["listen", "--bind", "127.0.0.1", "--port", "0"];
    args.extend_from_slice(more);
    let mut command = Command::new(env!("CARGO_BIN_EXE_bn407"));
    command.args(&args).stdin(Stdio::null());
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = out.next().unwrap().unwrap();
    // Text or JSON, the first address is `127.0.0.1:PORT`.
    let after = first.split("127.0.0.1:").nth(1);
    let digits = after.map(|r| {
        r.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
    });
    let port = digits
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no port in {first:?}"));
    Listen {
        child,
        port,
        first,
        out,
    }
}

impl Listen {
    /// Sends SIGTERM, waits for the end; the rest of the output and the error stream.
    pub fn terminate(mut self) -> (Vec<String>, String) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let lines: Vec<String> = self.out.map_while(Result::ok).collect();
        let mut err = String::new();
        let _ = self.child.stderr.take().unwrap().read_to_string(&mut err);
        assert!(self.child.wait().unwrap().success(), "{err}");
        (lines, err)
    }
}
