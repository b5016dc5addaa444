//! The file origin: a second listener serving what presigned links point to. Deterministic
//! `.tar.gz` archives, `Range` and `HEAD`, links that really expire (403, as from S3), no API key
//! needed or looked at (but recorded, so tests can assert it is never sent), and faults.

mod common;

use std::io::Read;
use std::time::Duration;

use boltz_api_emulator::{Emulator, Fault, FaultAction};
use common::{Api, Response, fetch, fixture, molecule_design_body, prediction_body, send};
use serde_json::Value;

const SAB: &str = "/compute/v1/predictions/structure-and-binding";
const MOLECULES: &str = "/compute/v1/small-molecule/design";

/// An emulator with one finished structure-and-binding prediction, returned in full.
async fn finished_prediction() -> (Emulator, Value) {
    let emulator = Emulator::builder().manual_clock().start().await.unwrap();
    let api = Api::admin(&emulator);
    let job = api.post(SAB, &prediction_body("files")).await;
    emulator.advance(Duration::from_secs(10));
    let job = api.get(&format!("{SAB}/{}", job["id"].as_str().unwrap())).await;
    assert_eq!(job["status"], "succeeded");
    (emulator, job)
}

/// The files of a tar archive, by name.
fn untar(gzipped: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(gzipped).read_to_end(&mut tar).unwrap();
    let mut files = Vec::new();
    let mut at = 0;
    while at + 512 <= tar.len() && tar[at] != 0 {
        let header = &tar[at..at + 512];
        let name = String::from_utf8(header[..100].split(|b| *b == 0).next().unwrap().to_vec()).unwrap();
        let size = usize::from_str_radix(std::str::from_utf8(&header[124..135]).unwrap(), 8).unwrap();
        if header[156] == b'0' {
            files.push((name, tar[at + 512..at + 512 + size].to_vec()));
        }
        at += 512 + size.div_ceil(512) * 512;
    }
    files
}

fn url(file: &Value) -> &str {
    file["url"].as_str().unwrap()
}

#[tokio::test]
async fn archives_are_deterministic_tar_gz_files_on_a_second_origin() {
    let (emulator, job) = finished_prediction().await;
    assert_ne!(emulator.files_addr(), emulator.addr());
    assert_eq!(emulator.files_addr().ip(), emulator.addr().ip());
    let archive = &job["output"]["archive"];
    assert!(url(archive).starts_with(&format!("{}/files/", emulator.files_url())));
    assert!(url(archive).contains("archive.tar.gz?expires="));

    let response = fetch(&emulator, "GET", url(archive), &[]).await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("application/gzip"));
    assert_eq!(response.header("accept-ranges"), Some("bytes"));
    assert_eq!(response.header("content-length"), Some(response.body.len().to_string().as_str()));
    let files = untar(&response.body);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["predicted_structure.cif", "result/metrics.json"]);
    assert!(files[0].1.starts_with(b"data_"));
    let metrics: Value = serde_json::from_slice(&files[1].1).unwrap();
    let best = &job["output"]["best_sample"]["metrics"];
    assert_eq!(metrics["structure_confidence"], best["structure_confidence"]);
    assert_eq!(metrics["binding_metrics"], job["output"]["binding_metrics"]);

    // The same file through a fresh link (another signature) has the same bytes.
    emulator.advance(Duration::from_secs(1));
    let again = Api::admin(&emulator).get(&format!("{SAB}/{}", job["id"].as_str().unwrap())).await;
    assert_ne!(url(&again["output"]["archive"]), url(archive));
    assert_eq!(fetch(&emulator, "GET", url(&again["output"]["archive"]), &[]).await.body, response.body);

    // Sample structures are mmCIF.
    let structure = fetch(&emulator, "GET", url(&job["output"]["best_sample"]["structure"]), &[]).await;
    assert_eq!((structure.status, structure.header("content-type")), (200, Some("chemical/x-mmcif")));
    assert!(structure.text().contains("_atom_site.Cartn_x"));
    let ligand = fetch(&emulator, "GET", url(&job["output"]["best_sample"]["ligand_structure"]), &[]).await;
    assert!(ligand.text().contains("HETATM"));

    // Each origin serves only its own paths.
    let target = url(archive).strip_prefix(emulator.files_url()).unwrap();
    assert_eq!(send(emulator.addr(), "GET", target, &[], b"").await.status, 404);
    assert_eq!(send(emulator.files_addr(), "GET", SAB, &[], b"").await.status, 403);
}

#[tokio::test]
async fn ranges_and_head_requests() {
    let (emulator, job) = finished_prediction().await;
    let archive = url(&job["output"]["archive"]);
    let whole = fetch(&emulator, "GET", archive, &[]).await.body;
    let len = whole.len();
    let etag = fetch(&emulator, "HEAD", archive, &[]).await.header("etag").unwrap().to_owned();

    let first: Response = fetch(&emulator, "GET", archive, &[("range", "bytes=0-9")]).await;
    assert_eq!(first.status, 206);
    assert_eq!(first.header("content-range"), Some(format!("bytes 0-9/{len}").as_str()));
    assert_eq!(first.body, whole[..10]);
    let rest = fetch(&emulator, "GET", archive, &[("range", "bytes=10-")]).await;
    assert_eq!(rest.status, 206);
    assert_eq!([first.body, rest.body].concat(), whole, "a download resumes where it stopped");
    let tail = fetch(&emulator, "GET", archive, &[("range", "bytes=-5")]).await;
    assert_eq!((tail.status, &tail.body[..]), (206, &whole[len - 5..]));
    let past = fetch(&emulator, "GET", archive, &[("range", "bytes=100000-")]).await;
    assert_eq!(past.status, 416);
    assert_eq!(past.header("content-range"), Some(format!("bytes */{len}").as_str()));
    let several = fetch(&emulator, "GET", archive, &[("range", "bytes=0-1,4-5")]).await;
    assert_eq!((several.status, several.body.len()), (200, len), "several ranges: the whole file");
    let changed =
        fetch(&emulator, "GET", archive, &[("range", "bytes=10-"), ("if-range", "\"other\"")]).await;
    assert_eq!(
        (changed.status, changed.body.len()),
        (200, len),
        "If-Range that does not match: the whole file"
    );
    let same = fetch(&emulator, "GET", archive, &[("range", "bytes=10-"), ("if-range", &etag)]).await;
    assert_eq!(same.status, 206);

    let head = fetch(&emulator, "HEAD", archive, &[]).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some(len.to_string().as_str()));
    assert_eq!(head.header("etag"), Some(etag.as_str()));
    let head_range = fetch(&emulator, "HEAD", archive, &[("range", "bytes=0-9")]).await;
    assert_eq!((head_range.status, head_range.header("content-length")), (206, Some("10")));
    assert_eq!(fetch(&emulator, "POST", archive, &[]).await.status, 405);
}

#[tokio::test]
async fn links_expire_and_cannot_be_altered() {
    let (emulator, job) = finished_prediction().await;
    let archive = url(&job["output"]["archive"]).to_owned();
    // Default lifetime: 15 minutes.
    let expires =
        chrono::DateTime::parse_from_rfc3339(job["output"]["archive"]["url_expires_at"].as_str().unwrap())
            .unwrap();
    let clock = Api::admin(&emulator).control("GET", "clock", "").await.json();
    let now = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap();
    assert_eq!((expires - now).num_seconds(), 15 * 60);

    emulator.advance(Duration::from_secs(15 * 60));
    assert_eq!(fetch(&emulator, "GET", &archive, &[]).await.status, 200, "valid up to its expiry");
    emulator.advance(Duration::from_secs(1));
    let expired = fetch(&emulator, "GET", &archive, &[]).await;
    assert_eq!(expired.status, 403);
    assert!(
        expired.text().contains("<Code>AccessDenied</Code>") && expired.text().contains("expired"),
        "{}",
        expired.text()
    );

    // A shorter lifetime, set over HTTP, applies to links made afterwards.
    let api = Api::admin(&emulator);
    api.control("PUT", "config", r#"{"link_ttl_ms": 2000}"#).await;
    let fresh = api.get(&format!("{SAB}/{}", job["id"].as_str().unwrap())).await;
    let fresh = url(&fresh["output"]["archive"]).to_owned();
    assert_eq!(fetch(&emulator, "GET", &fresh, &[]).await.status, 200);
    emulator.advance(Duration::from_millis(2_001));
    assert_eq!(fetch(&emulator, "GET", &fresh, &[]).await.status, 403);
    emulator.set_link_ttl(Duration::from_secs(60));
    let fresh = api.get(&format!("{SAB}/{}", job["id"].as_str().unwrap())).await;
    let fresh = url(&fresh["output"]["archive"]).to_owned();

    // Another signature, another expiry or another path: refused.
    let (base, signature) = fresh.split_once("&signature=").unwrap();
    let flipped =
        format!("{base}&signature={}{}", if signature.starts_with('0') { "1" } else { "0" }, &signature[1..]);
    let tampered = fetch(&emulator, "GET", &flipped, &[]).await;
    assert_eq!(tampered.status, 403);
    assert!(tampered.text().contains("SignatureDoesNotMatch"));
    let later = fresh.replacen("expires=", "expires=9", 1);
    assert_eq!(fetch(&emulator, "GET", &later, &[]).await.status, 403);
    let other_file = fresh.replace("archive.tar.gz", "samples/0/structure.cif");
    assert_eq!(fetch(&emulator, "GET", &other_file, &[]).await.status, 403);
    let unsigned = fresh.split_once('?').unwrap().0;
    assert_eq!(fetch(&emulator, "GET", unsigned, &[]).await.status, 403);
}

#[tokio::test]
async fn the_file_origin_needs_no_key_ignores_one_and_records_whether_one_came() {
    let (emulator, job) = finished_prediction().await;
    let archive = url(&job["output"]["archive"]);
    assert_eq!(fetch(&emulator, "GET", archive, &[]).await.status, 200);
    let with_key = fetch(&emulator, "GET", archive, &[("x-api-key", emulator.admin_key())]).await;
    assert_eq!(with_key.status, 200, "a key is ignored, not checked");
    assert_eq!(fetch(&emulator, "GET", archive, &[("x-api-key", "not even a key")]).await.status, 200);
    let log = emulator.file_requests();
    assert_eq!(log.iter().map(|r| r.api_key_sent).collect::<Vec<_>>(), [false, true, true]);
    assert!(
        log.iter().all(|r| r.method == "GET" && r.status == Some(200) && r.path.ends_with("/archive.tar.gz"))
    );
    assert!(!log[0].path.contains("signature"), "the log keeps the path, not the signature");
    let over_http = Api::admin(&emulator).control("GET", "files/requests", "").await.json();
    assert_eq!(over_http[1]["api_key_sent"], true);
    assert_eq!(emulator.received().iter().filter(|r| r.path.starts_with("/files")).count(), 0);
    // Each origin's count, for a client in another process.
    let counters = Api::admin(&emulator).control("GET", "counters", "").await.json();
    assert_eq!(counters["file_requests"], 3);
    assert_eq!(counters["api_requests"].as_u64(), Some(emulator.requests_received()));

    // The latency object storage has, before every answer.
    let config = Api::admin(&emulator).control("PUT", "config", r#"{"file_latency_ms": 150}"#).await.json();
    assert_eq!(config["file_latency_ms"], 150);
    let started = std::time::Instant::now();
    assert_eq!(fetch(&emulator, "GET", archive, &[]).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150), "{:?}", started.elapsed());
}

#[tokio::test]
async fn pipeline_results_and_echoed_inputs_have_files() {
    let emulator = Emulator::builder().manual_clock().start().await.unwrap();
    let api = Api::admin(&emulator);
    let job = api.post(MOLECULES, &molecule_design_body(10, "r")).await;
    let id = job["id"].as_str().unwrap();
    emulator.advance(Duration::from_millis(500 + 1_500)); // 5 of 10 results
    let results = api.get(&format!("{MOLECULES}/{id}/results")).await;
    let first = &results["data"][0];
    let archive = fetch(&emulator, "GET", url(&first["artifacts"]["archive"]), &[]).await;
    let files = untar(&archive.body);
    let metrics: Value = serde_json::from_slice(&files[1].1).unwrap();
    assert_eq!(metrics, first["metrics"]);
    assert!(
        fetch(&emulator, "GET", url(&first["artifacts"]["ligand_structure"]), &[])
            .await
            .text()
            .contains("HETATM")
    );

    // A redesign's base64 structure is served back as it was sent.
    let redesign = api
        .post("/compute/v1/protein/sequence-redesign", &fixture("protein.sequence_redesign").to_string())
        .await;
    let structure = fetch(&emulator, "GET", url(&redesign["input"]["structure"]), &[]).await;
    assert_eq!((structure.status, structure.body.as_slice()), (200, &b"data_x\n"[..]));
    // A library screen's molecules become one JSON Lines file.
    let screen = api
        .post(
            "/compute/v1/small-molecule/library-screen",
            &fixture("small_molecule.library_screen").to_string(),
        )
        .await;
    let molecules = fetch(&emulator, "GET", url(&screen["input"]["molecules"]), &[]).await;
    let lines: Vec<Value> = molecules.text().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["id"], "ethanol");
    // A structure given by URL is echoed as a link to a stand-in (the emulator fetches nothing).
    let template = api.post(SAB, &fixture("predictions.structure_and_binding").to_string()).await;
    let link = &template["input"]["templates"][0]["template_structure"];
    assert!(
        fetch(&emulator, "GET", url(link), &[])
            .await
            .text()
            .contains("stand-in for https://example.com/template.cif")
    );

    // Deleting the data removes the files, links made before included.
    emulator.advance(Duration::from_secs(60));
    let finished = api.get(&format!("{MOLECULES}/{id}/results")).await;
    let archive_link = url(&finished["data"][0]["artifacts"]["archive"]).to_owned();
    api.post(&format!("{MOLECULES}/{id}/delete-data"), "").await;
    let gone = fetch(&emulator, "GET", &archive_link, &[]).await;
    assert_eq!(gone.status, 404);
    assert!(gone.text().contains("NoSuchKey"));
}

#[tokio::test]
async fn faults_apply_to_the_file_origin() {
    let (emulator, job) = finished_prediction().await;
    let archive = url(&job["output"]["archive"]);
    emulator.inject(Fault::new("GET", "/files/*/archive.tar.gz", FaultAction::status(503)).times(2));
    assert_eq!(fetch(&emulator, "GET", archive, &[]).await.status, 503);
    assert_eq!(fetch(&emulator, "GET", archive, &[]).await.status, 503);
    assert_eq!(fetch(&emulator, "GET", archive, &[]).await.status, 200);

    let whole = fetch(&emulator, "GET", archive, &[]).await.body;
    emulator.inject(Fault::new("GET", "/files/*/archive.tar.gz", FaultAction::TruncatedBody));
    let target = archive.strip_prefix(emulator.files_url()).unwrap();
    let raw = raw_get(&emulator, target).await;
    assert!(raw.starts_with(b"HTTP/1.1 200"), "the head is sent");
    assert!(raw.len() < whole.len(), "but not the whole body");

    emulator.inject(Fault::new("*", "/files/*/archive.tar.gz", FaultAction::Close));
    assert!(raw_get(&emulator, target).await.is_empty(), "closed without a response");
    let log = emulator.file_requests();
    assert_eq!(log.last().unwrap().status, None);
    assert_eq!(log[0].status, Some(503));
}

async fn raw_get(emulator: &Emulator, target: &str) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(emulator.files_addr()).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    out
}
