//! A small HTTP/1.1 client over raw TCP for the emulator's tests: one request per connection,
//! the whole response read back (binary bodies included).

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;

use boltz_api_emulator::Emulator;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response: status, headers (names lower-cased), body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {} {}", self.status, String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Send one request and read the whole response.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" || method == "PUT" {
        head.push_str(&format!("content-type: application/json\r\ncontent-length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    parse(&raw, method == "HEAD")
}

fn parse(raw: &[u8], head_only: bool) -> Response {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if head_only {
        Vec::new()
    } else if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Response { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else { return out };
        let size = usize::from_str_radix(std::str::from_utf8(&data[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
}

/// The API of one emulator, with one key.
pub struct Api<'a> {
    pub emulator: &'a Emulator,
    pub key: String,
}

impl<'a> Api<'a> {
    pub fn admin(emulator: &'a Emulator) -> Self {
        Self { emulator, key: emulator.admin_key().to_owned() }
    }

    pub fn with_key(emulator: &'a Emulator, key: &str) -> Self {
        Self { emulator, key: key.to_owned() }
    }

    pub async fn call(&self, method: &str, path: &str, body: &str) -> Response {
        send(self.emulator.addr(), method, path, &[("x-api-key", &self.key)], body.as_bytes()).await
    }

    pub async fn get(&self, path: &str) -> Value {
        let response = self.call("GET", path, "").await;
        assert_eq!(response.status, 200, "GET {path}: {}", response.text());
        response.json()
    }

    pub async fn post(&self, path: &str, body: &str) -> Value {
        let response = self.call("POST", path, body).await;
        assert_eq!(response.status, 200, "POST {path}: {}", response.text());
        response.json()
    }

    /// A control endpoint (no key).
    pub async fn control(&self, method: &str, path: &str, body: &str) -> Response {
        send(self.emulator.addr(), method, &format!("/__emulator/{path}"), &[], body.as_bytes()).await
    }
}

/// Fetch a presigned URL from the file origin, with extra headers.
pub async fn fetch(emulator: &Emulator, method: &str, url: &str, headers: &[(&str, &str)]) -> Response {
    let target =
        url.strip_prefix(emulator.files_url()).unwrap_or_else(|| panic!("{url} is not on the file origin"));
    send(emulator.files_addr(), method, target, headers, b"").await
}

/// A start request body from the conformance fixtures (`tests/conformance/starts/`).
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/../tests/conformance/starts/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut body: Value = serde_json::from_str(&text).unwrap();
    if let Some(object) = body.as_object_mut() {
        // The fixtures name a workspace that the emulator does not have.
        object.remove("workspace_id");
    }
    body
}

/// A small S&B start body.
pub fn prediction_body(key: &str) -> String {
    serde_json::json!({
        "input": {
            "entities": [
                {"type": "protein", "chain_ids": ["A"], "value": "MKTAYIAKQRQISFVKSHFSRQ"},
                {"type": "ligand_smiles", "chain_ids": ["B"], "value": "CCO"}
            ],
            "binding": {"type": "ligand_protein_binding", "binder_chain_id": "B"}
        },
        "model": "boltz-2.1",
        "idempotency_key": key
    })
    .to_string()
}

/// A small-molecule design body asking for `n` molecules.
pub fn molecule_design_body(n: u64, key: &str) -> String {
    serde_json::json!({
        "num_molecules": n,
        "target": {"entities": [{"type": "protein", "chain_ids": ["A"], "value": "MKTAYIAKQR"}]},
        "idempotency_key": key
    })
    .to_string()
}
