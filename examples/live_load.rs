//! Load for the live listener: DEVICES BN-407 units on TCP, each logging in and then sending
//! reports so that together they send RATE frames a second for SECONDS, then closing as a
//! finished device does (FIN, then reading until the listener closes). Prints what was sent.
//! `benches/live.sh` runs it against `bn407 listen` and compares with what the listener decoded.
//!
//!     cargo run --release --example live_load -- 127.0.0.1:18888 10000 50000 20
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What the units did, together.
#[derive(Default)]
struct Sent {
    connected: AtomicU64,
    failed: AtomicU64,
    logins_answered: AtomicU64,
    reports: AtomicU64,
    bytes: AtomicU64,
}

fn report(imei: &str, n: u64) -> String {
    let s = n % 60;
    let m = (n / 60) % 60;
    format!(
        "imei:{imei},tracker,24010112{m:02}{s:02},,F,12{m:02}{s:02}.000,A,3843.{:04},N,00908.1234,W,12.50,90.0;",
        n % 10_000
    )
}

/// One unit: login, then a report every `period` from `from` (spread by its number) to `until`.
async fn unit(
    addr: SocketAddr,
    i: u64,
    period: Duration,
    (from, until): (tokio::time::Instant, Instant),
    sent: Arc<Sent>,
) {
    let Ok(mut s) = TcpStream::connect(addr).await else {
        sent.failed.fetch_add(1, Ordering::Relaxed);
        return;
    };
    sent.connected.fetch_add(1, Ordering::Relaxed);
    let imei = format!("86403505{i:07}");
    let login = format!("##,imei:{imei},A;");
    if s.write_all(login.as_bytes()).await.is_err() {
        return;
    }
    let mut buf = [0u8; 64];
    if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(30), s.read(&mut buf)).await
        && buf.get(..n).is_some_and(|b| b.starts_with(b"LOAD"))
    {
        sent.logins_answered.fetch_add(1, Ordering::Relaxed);
    }
    // Spread the units over the period so the rate is even.
    let offset = period.mul_f64((i % 1000) as f64 / 1000.0);
    let mut tick = tokio::time::interval_at(from + offset, period);
    let mut n = 0;
    loop {
        tick.tick().await;
        if Instant::now() >= until {
            break;
        }
        let r = report(&imei, n);
        if s.write_all(r.as_bytes()).await.is_err() {
            return;
        }
        n += 1;
        sent.reports.fetch_add(1, Ordering::Relaxed);
        sent.bytes.fetch_add(r.len() as u64, Ordering::Relaxed);
    }
    let _ = s.shutdown().await;
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut rest)).await;
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: live_load ADDR DEVICES RATE SECONDS";
    let addr: SocketAddr = args.get(1).expect(usage).parse().expect("ADDR: host:port");
    let devices: u64 = args.get(2).expect(usage).parse().expect("DEVICES");
    let rate: f64 = args.get(3).expect(usage).parse().expect("RATE");
    let seconds: f64 = args.get(4).expect(usage).parse().expect("SECONDS");
    let period = Duration::from_secs_f64(devices as f64 / rate);
    let sent = Arc::new(Sent::default());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let start = Instant::now();
    rt.block_on(async {
        // Connections opened in batches; every unit reports until the same moment.
        let from = tokio::time::Instant::now() + Duration::from_secs(2);
        let until = from.into_std() + Duration::from_secs_f64(seconds);
        let mut handles = Vec::new();
        for i in 0..devices {
            if i % 500 == 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            handles.push(tokio::spawn(unit(
                addr,
                i,
                period,
                (from, until),
                sent.clone(),
            )));
        }
        for h in handles {
            let _ = h.await;
        }
    });
    let took = start.elapsed().as_secs_f64();
    let reports = sent.reports.load(Ordering::Relaxed);
    println!(
        "{{\"devices\":{devices},\"connected\":{},\"failed\":{},\"logins_answered\":{},\"reports\":{reports},\"bytes\":{},\"report_rate\":{:.0},\"seconds\":{took:.1}}}",
        sent.connected.load(Ordering::Relaxed),
        sent.failed.load(Ordering::Relaxed),
        sent.logins_answered.load(Ordering::Relaxed),
        sent.bytes.load(Ordering::Relaxed),
        reports as f64 / seconds,
    );
}
