//! `bn407 listen`: live mode on the terminal. Answers devices as their server would (or relays
//! them to their platform, or only listens), prints every frame as `decode` does, records every
//! byte to pcapng, and stops cleanly on Ctrl+C or SIGTERM with the recording finished.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::Args;

use super::{DecodeFormat, EXIT_UNREADABLE};
use crate::live::{self, Counters, DeviceLink, LiveConfig, LiveEvent, LiveSink, Mode, record};
use crate::pipeline::Decoded;
use crate::present;

/// Options of `bn407 listen`.
#[derive(Args, Debug)]
pub struct ListenArgs {
    /// Port to listen on, TCP and UDP.
    #[arg(long, default_value_t = 8888)]
    pub port: u16,
    /// Address to bind (repeat for several); every interface when none is given.
    #[arg(long)]
    pub bind: Vec<IpAddr>,
    /// No UDP socket.
    #[arg(long)]
    pub no_udp: bool,
    /// No TCP socket.
    #[arg(long)]
    pub no_tcp: bool,
    /// Answer nothing: listen and record only.
    #[arg(long, conflicts_with = "forward")]
    pub passive: bool,
    /// Relay every connection to the device's platform at HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    pub forward: Option<String>,
    /// Record into this pcapng file (default: a timestamped file in the user's data folder).
    #[arg(long, conflicts_with = "no_record")]
    pub record: Option<PathBuf>,
    /// Do not record.
    #[arg(long)]
    pub no_record: bool,
    /// Start a new recording file past this many MiB.
    #[arg(long, default_value_t = 1024)]
    pub record_limit_mib: u64,
    /// Do not acknowledge SOS alarms (BN-407 `E`).
    #[arg(long)]
    pub no_sos_ack: bool,
    /// Simultaneous TCP connections accepted.
    #[arg(long, default_value_t = 10_000)]
    pub max_connections: usize,
    /// Close a connection or forget a UDP peer after this many seconds of silence.
    #[arg(long, default_value_t = 1800)]
    pub idle: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DecodeFormat::Text)]
    pub format: DecodeFormat,
}

/// Prints frames and events as they come, flushing every line (the output is a live stream).
struct Printer {
    jsonl: bool,
}

impl Printer {
    fn line(&self, s: &str) {
        let out = std::io::stdout();
        let mut out = out.lock();
        let _ = writeln!(out, "{s}");
        let _ = out.flush();
    }
}

impl LiveSink for Printer {
    fn frame(&mut self, d: &Decoded<'_>) {
        let line = if self.jsonl {
            present::frame_json_line(d)
        } else {
            present::frame_line(d)
        };
        self.line(&line);
    }

    fn event(&mut self, e: &LiveEvent) {
        if self.jsonl {
            self.line(&serde_json::to_string(e).unwrap_or_default());
            return;
        }
        if let Some(words) = e.words() {
            self.line(&format!("== {words}"));
            return;
        }
        let s = match e {
            LiveEvent::CommandSent { imei, what, queued } => format!(
                "== command to {imei}: {what}{}",
                if *queued {
                    " (queued for its next datagram)"
                } else {
                    ""
                }
            ),
            LiveEvent::Recording { file } => format!("== recording {file}"),
            LiveEvent::Stopped { counters: c } => format!(
                "== stopped: {} TCP connections accepted, {} refused (limit), {} closed by devices, {} closed flooding without a frame, {} closed silent; {} UDP peers ({} forgotten), {} datagrams; {} frames, {} answers, {} commands; {} platform unreachable; {} closed flows forgotten; {} datagrams dropped with the analyzer behind, {} by the system (receive buffer full), at most {} KiB waiting for it",
                c.accepted,
                c.refused_limit,
                c.closed_by_device,
                c.closed_unframed,
                c.closed_idle,
                c.udp_peers,
                c.udp_expired,
                c.datagrams,
                c.frames,
                c.replies,
                c.commands,
                c.platform_unreachable,
                c.flows_forgotten,
                c.datagrams_dropped,
                c.kernel_drops(),
                c.queued_peak / 1024
            ),
            // Said in `words` above.
            LiveEvent::Listening { .. }
            | LiveEvent::Connected { .. }
            | LiveEvent::Refused { .. }
            | LiveEvent::Closed { .. }
            | LiveEvent::PlatformUnreachable { .. }
            | LiveEvent::CommandFailed { .. } => return,
        };
        self.line(&s);
    }

    fn tick(&mut self, _: &Counters, _: &[DeviceLink]) {}
}

/// The settings `listen` asks for.
pub fn config(a: &ListenArgs) -> LiveConfig {
    let mode = match (&a.forward, a.passive) {
        (Some(f), _) => Mode::Relay(f.clone()),
        (None, true) => Mode::Passive,
        (None, false) => Mode::Server,
    };
    let record = (!a.no_record).then(|| record::RecordConfig {
        path: a
            .record
            .clone()
            .unwrap_or_else(|| record::default_path(SystemTime::now())),
        max_bytes: a.record_limit_mib.saturating_mul(1 << 20).max(1 << 20),
        flush_every: Duration::from_secs(1),
    });
    LiveConfig {
        port: a.port,
        bind: a.bind.clone(),
        tcp: !a.no_tcp,
        udp: !a.no_udp,
        mode,
        sos_ack: !a.no_sos_ack,
        record,
        max_connections: a.max_connections,
        idle: Duration::from_secs(a.idle.max(1)),
        trees: a.format == DecodeFormat::Jsonl,
        ..LiveConfig::default()
    }
}

/// Waits for Ctrl+C or SIGTERM.
fn wait_for_signal() {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    });
}

/// Runs `bn407 listen`; returns the exit status.
pub fn run(a: &ListenArgs) -> u8 {
    let cfg = config(a);
    if cfg.every_interface() {
        eprintln!(
            "bn407: listening on every interface: anyone who can reach this machine on port {} can send to it (--bind to choose)",
            cfg.port
        );
    }
    let recording = cfg.record.as_ref().map(|r| r.path.clone());
    let sink = Box::new(Printer {
        jsonl: a.format == DecodeFormat::Jsonl,
    });
    let handle = match live::start(cfg, sink) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("bn407: {e}");
            return EXIT_UNREADABLE;
        }
    };
    if let Some(p) = recording {
        eprintln!("bn407: recording to {}", p.display());
    }
    wait_for_signal();
    match handle.stop() {
        Ok(files) => {
            for f in files {
                eprintln!("bn407: recorded {}", f.display());
            }
            0
        }
        Err(e) => {
            eprintln!("bn407: {e}");
            1
        }
    }
}
