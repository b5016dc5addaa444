//! What a large download costs in memory: this example runs itself again with `--serve` as a
//! tiny HTTP server in another process, which sends 256 MiB over loopback; `client.download`
//! streams them to a temporary file; the growth of this process's peak resident set (`VmHWM` in
//! `/proc/self/status`) is what the client paid. Linux only.
//!
//! ```text
//! cargo run --release --example download_memory
//! ```
//!
//! It prints the peak's growth and the throughput, and exits non-zero when the peak grew by
//! 16 MiB or more.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use boltz_api::Client;
use boltz_api::models::common::PresignedFile;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The file's size.
const SIZE: u64 = 256 << 20;
/// The most the peak may grow by.
const LIMIT: u64 = 16 << 20;
/// The server writes this much at a time.
const CHUNK: usize = 64 << 10;

fn main() -> Result<()> {
    if std::env::args().nth(1).as_deref() == Some("--serve") {
        return serve();
    }
    let growth = tokio::runtime::Runtime::new()?.block_on(measure())?;
    if growth >= LIMIT {
        eprintln!("FAIL: the peak grew by {} (limit {})", mib(growth), mib(LIMIT));
        std::process::exit(1);
    }
    Ok(())
}

async fn measure() -> Result<u64> {
    // The server, in a process of its own so that its buffers are not counted here.
    let mut server = Command::new(std::env::current_exe()?)
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut port = String::new();
    BufReader::new(server.stdout.take().expect("piped")).read_line(&mut port)?;
    let url = format!("http://127.0.0.1:{}/big.bin", port.trim());

    // The API origin is never called: a download goes straight to the file's origin.
    let client =
        Client::builder().api_key("sk_unused_by_downloads").base_url("http://127.0.0.1:9").build()?;
    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    let file: PresignedFile =
        serde_json::from_value(serde_json::json!({ "url": url, "url_expires_at": expires.to_rfc3339() }))?;
    let path =
        Scratch(std::env::temp_dir().join(format!("boltz-download-memory-{}.bin", std::process::id())));

    let reset = reset_peak();
    let (rss, before) = (status_kib("VmRSS:")?, status_kib("VmHWM:")?);
    let started = Instant::now();
    let downloaded = client.download(&file, &path.0).stall_timeout(Duration::from_secs(30)).await?;
    let elapsed = started.elapsed();
    let after = status_kib("VmHWM:")?;

    // Closing its stdin ends the server.
    drop(server.stdin.take());
    server.wait()?;

    let on_disk = std::fs::metadata(&path.0)?.len();
    if downloaded.bytes != SIZE || on_disk != SIZE {
        return Err(format!("expected {SIZE} bytes, got {} ({on_disk} on disk)", downloaded.bytes).into());
    }
    let growth = after.saturating_sub(before);
    println!("downloaded {} in {elapsed:.2?} ({} attempt(s))", mib(SIZE), downloaded.attempts);
    println!("throughput      {:.0} MiB/s", SIZE as f64 / (1 << 20) as f64 / elapsed.as_secs_f64());
    println!(
        "peak RSS        {} before ({}; RSS {}), {} after",
        mib(before),
        if reset { "reset to the RSS" } else { "peak since start" },
        mib(rss),
        mib(after)
    );
    println!("peak growth     {} (limit {})", mib(growth), mib(LIMIT));
    Ok(growth)
}

/// A file removed on drop, with the `.part` a failed download leaves.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let mut part = self.0.clone().into_os_string();
        part.push(".part");
        let _ = std::fs::remove_file(part);
    }
}

/// Reset the peak to the current resident set (Linux ≥ 4.0), so that what ran before does not hide
/// the download's peak. False when the kernel refuses.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A `kB` line of `/proc/self/status`, in bytes.
fn status_kib(field: &str) -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status.lines().find(|l| l.starts_with(field)).ok_or("no such field in /proc/self/status")?;
    let kib: u64 = line[field.len()..].trim().trim_end_matches("kB").trim().parse()?;
    Ok(kib * 1024)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

/// The server: print the port, answer every GET with the file (from a `Range` start if asked),
/// and exit when stdin closes.
fn serve() -> Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("{}", listener.local_addr()?.port());
    std::io::stdout().flush()?;
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    for stream in listener.incoming() {
        let stream = stream?;
        std::thread::spawn(move || {
            let _ = answer(stream);
        });
    }
    Ok(())
}

fn answer(mut stream: TcpStream) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 << 10 {
        if stream.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let from: u64 = head
        .lines()
        .find_map(|l| l.strip_prefix("range: bytes=")?.strip_suffix('-')?.parse().ok())
        .unwrap_or(0)
        .min(SIZE);
    let status = if from > 0 {
        format!("206 Partial Content\r\ncontent-range: bytes {from}-{}/{SIZE}", SIZE - 1)
    } else {
        "200 OK".to_owned()
    };
    write!(stream, "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", SIZE - from)?;
    let chunk: Vec<u8> = (0..CHUNK).map(|i| (i * 31 % 251) as u8).collect();
    let mut left = SIZE - from;
    while left > 0 {
        let n = left.min(CHUNK as u64) as usize;
        stream.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    stream.flush()
}
