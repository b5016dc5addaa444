//! The file origin: a second listener on 127.0.0.1 that serves the files presigned links point
//! to, the way an object store does.
//!
//! A link is `http://127.0.0.1:PORT/files/<job id>/<artifact>?expires=<unix ms>&signature=<hex>`,
//! where the signature is HMAC-SHA256, under a key drawn when the emulator starts, of
//! `<path>\n<expires>`. A link whose time (on the emulator's clock) has passed answers 403, as S3
//! does; so does a changed path or signature. The origin never looks at `x-api-key` (it only
//! records whether one was sent), answers `GET` and `HEAD`, and honours a single `Range` (206 with
//! `Content-Range`, 416 when nothing of it is in the file) and `If-Range`.
//!
//! Files are made on request from the job, deterministically: archives are `.tar.gz` holding
//! `predicted_structure.cif` and `result/metrics.json`; structures are small mmCIF files.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use http::header::{ACCEPT_RANGES, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_RANGE, RANGE};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::engine::Status;
use super::family::Family;
use super::shapes;
use super::store::JobRecord;
use super::{FileRequest, HostileArchive};
use crate::server::{Body, BoxError, Reply, Shared, respond};

/// What makes presigned links: the origin, the signing key, their lifetime and the time now.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Links<'a> {
    pub(crate) origin: &'a str,
    pub(crate) key: &'a [u8; 32],
    pub(crate) ttl_ms: i64,
    pub(crate) now: DateTime<Utc>,
}

impl Links<'_> {
    /// `{url, url_expires_at}` for one of a job's files.
    pub(crate) fn file(&self, job_id: &str, artifact: &str) -> Value {
        let path = format!("/files/{job_id}/{artifact}");
        let expires = self.now + TimeDelta::milliseconds(self.ttl_ms);
        let expires_ms = expires.timestamp_millis();
        let signature = hex(&sign(self.key, &path, expires_ms));
        json!({
            "url": format!("{}{path}?expires={expires_ms}&signature={signature}", self.origin),
            "url_expires_at": shapes::ts(expires),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// HMAC-SHA256 (RFC 2104) of `message` under a key of at most 64 bytes.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

fn sign(key: &[u8; 32], path: &str, expires_ms: i64) -> [u8; 32] {
    hmac_sha256(key, format!("{path}\n{expires_ms}").as_bytes())
}

/// Serve one request on the file origin, after any queued fault for it.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    _peer: SocketAddr,
    resetter: Arc<std::net::TcpStream>,
    req: Request<Incoming>,
) -> Result<Response<Body>, BoxError> {
    let (parts, _body) = req.into_parts();
    let latency = shared.compute.config().file_latency_ms;
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency as u64)).await;
    }
    let path = parts.uri.path().to_owned();
    let action = shared.faults.take(parts.method.as_str(), &path);
    let result =
        respond(action, &resetter, || answer(&shared, &parts.method, &parts.uri, &parts.headers)).await;
    shared.compute.record_file(FileRequest {
        method: parts.method.to_string(),
        path,
        range: parts.headers.get(RANGE).and_then(|v| v.to_str().ok()).map(str::to_owned),
        api_key_sent: parts.headers.contains_key("x-api-key"),
        status: result.as_ref().ok().map(|r| r.status().as_u16()),
    });
    result
}

/// An error in S3's XML shape.
fn s3_error(status: StatusCode, code: &str, message: &str) -> Reply {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    let mut reply = Reply::new(status, Bytes::from(body));
    reply.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    reply
}

fn answer(shared: &Shared, method: &Method, uri: &http::Uri, headers: &HeaderMap) -> Reply {
    if method != Method::GET && method != Method::HEAD {
        let mut reply = s3_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", "use GET or HEAD");
        reply.headers.insert(http::header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return reply;
    }
    let path = uri.path();
    let query: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let (Some(expires), Some(signature)) = (param("expires"), param("signature")) else {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Query-string authentication requires the expires and signature parameters",
        );
    };
    let Ok(expires_ms) = expires.parse::<i64>() else {
        return s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Invalid expires parameter");
    };
    let compute = &shared.compute;
    if !signature.eq_ignore_ascii_case(&hex(&sign(compute.link_key(), path, expires_ms))) {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided",
        );
    }
    let state = compute.lock();
    let now = state.clock.now();
    if now.timestamp_millis() > expires_ms {
        return s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
    }
    let file =
        path.strip_prefix("/files/").and_then(|rest| rest.split_once('/')).and_then(|(id, artifact)| {
            let job = state.jobs.get(id).filter(|job| job.data_deleted_at.is_none())?;
            artifact_bytes(job, artifact, now, state.config.hostile_archives)
        });
    drop(state);
    match file {
        Some((bytes, content_type)) => ranged(method == Method::HEAD, headers, bytes, content_type),
        None => s3_error(StatusCode::NOT_FOUND, "NoSuchKey", "The specified key does not exist."),
    }
}

/// The reply for a file, honouring `Range` and `If-Range`; a `HEAD` gets the headers only.
fn ranged(head: bool, headers: &HeaderMap, bytes: Bytes, content_type: &'static str) -> Reply {
    let len = bytes.len() as u64;
    let etag = format!("\"{}\"", hex(&Sha256::digest(&bytes)[..16]));
    let if_range_matches = headers.get(IF_RANGE).is_none_or(|v| v.to_str().is_ok_and(|v| v.trim() == etag));
    let range = headers.get(RANGE).filter(|_| if_range_matches).and_then(|v| v.to_str().ok());
    let (status, body, content_range) = match range.map(|r| parse_range(r, len)) {
        Some(RangeSpec::Unsatisfiable) => {
            (StatusCode::RANGE_NOT_SATISFIABLE, Bytes::new(), Some(format!("bytes */{len}")))
        }
        Some(RangeSpec::Bytes(start, end)) => (
            StatusCode::PARTIAL_CONTENT,
            bytes.slice(start as usize..=end as usize),
            Some(format!("bytes {start}-{end}/{len}")),
        ),
        Some(RangeSpec::Ignore) | None => (StatusCode::OK, bytes, None),
    };
    let length = body.len();
    let mut reply = Reply::new(status, if head { Bytes::new() } else { body });
    let h = &mut reply.headers;
    if status == StatusCode::RANGE_NOT_SATISFIABLE {
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    } else {
        h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    h.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(ETAG, HeaderValue::from_str(&etag).expect("hex is a valid header value"));
    h.insert(CONTENT_LENGTH, HeaderValue::from(length));
    if let Some(content_range) = content_range {
        h.insert(CONTENT_RANGE, HeaderValue::from_str(&content_range).expect("a valid header value"));
    }
    reply
}

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum RangeSpec {
    /// Bytes `start..=end`.
    Bytes(u64, u64),
    /// Nothing of it is in the file: 416.
    Unsatisfiable,
    /// Not a single byte range this origin serves (malformed, or several): the whole file.
    Ignore,
}

fn parse_range(header: &str, len: u64) -> RangeSpec {
    let Some(spec) = header.trim().strip_prefix("bytes=") else { return RangeSpec::Ignore };
    if spec.contains(',') {
        return RangeSpec::Ignore;
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return RangeSpec::Ignore };
    let (first, last) = (first.trim(), last.trim());
    let number = |text: &str| text.parse::<u64>().ok();
    match (first.is_empty(), last.is_empty()) {
        // The last `n` bytes.
        (true, false) => match number(last) {
            Some(0) => RangeSpec::Unsatisfiable,
            Some(_) if len == 0 => RangeSpec::Unsatisfiable,
            Some(n) => RangeSpec::Bytes(len.saturating_sub(n), len - 1),
            None => RangeSpec::Ignore,
        },
        (false, _) => {
            let Some(start) = number(first) else { return RangeSpec::Ignore };
            let end = if last.is_empty() { Some(u64::MAX) } else { number(last) };
            match end {
                Some(end) if end < start => RangeSpec::Ignore,
                Some(_) if start >= len => RangeSpec::Unsatisfiable,
                Some(end) => RangeSpec::Bytes(start, end.min(len - 1)),
                None => RangeSpec::Ignore,
            }
        }
        (true, true) => RangeSpec::Ignore,
    }
}

/// A job's file, made from the job: its bytes and content type, if it exists at `now`.
fn artifact_bytes(
    job: &JobRecord,
    artifact: &str,
    now: DateTime<Utc>,
    hostile: Option<HostileArchive>,
) -> Option<(Bytes, &'static str)> {
    const CIF: &str = "chemical/x-mmcif";
    const GZIP: &str = "application/gzip";
    let parts: Vec<&str> = artifact.split('/').collect();
    let succeeded = job.timeline.at(now).status == Status::Succeeded;
    let molecules = matches!(
        job.family,
        Family::SmallMoleculeDesign | Family::SmallMoleculeLibraryScreen | Family::Explore
    );
    match parts.as_slice() {
        ["archive.tar.gz"] if job.family == Family::StructureAndBinding && succeeded => {
            let best = shapes::best_sample(job);
            let mut metrics = shapes::sample_metrics(job, best);
            let binding = shapes::binding_metrics(job);
            if !binding.is_null() {
                metrics["binding_metrics"] = binding;
            }
            let structure = prediction_structure(job, best);
            Some((archive(&structure, &metrics, hostile), GZIP))
        }
        ["samples", sample, name] if job.family == Family::StructureAndBinding && succeeded => {
            let sample: u64 = sample.parse().ok().filter(|s| *s < shapes::sample_count(job))?;
            match *name {
                "structure.cif" => Some((Bytes::from(prediction_structure(job, sample)), CIF)),
                "ligand.cif" if shapes::has_ligand(job) => {
                    Some((Bytes::from(ligand_cif(&format!("{}_{sample}_ligand", job.id), "LIG")), CIF))
                }
                _ => None,
            }
        }
        ["results", result, name] if !job.family.is_prediction() => {
            let k = shapes::result_index(job, result)?;
            if k > job.timeline.produced(now, job.total) {
                return None;
            }
            let structure = result_structure(job, k);
            match *name {
                "archive.tar.gz" => {
                    Some((archive(&structure, &shapes::result_metrics(job, k), hostile), GZIP))
                }
                "structure.cif" => Some((Bytes::from(structure), CIF)),
                "ligand.cif" if molecules => Some((Bytes::from(ligand_cif(result, "LIG")), CIF)),
                _ => None,
            }
        }
        ["input", name] => input_file(job, artifact, name),
        _ => None,
    }
}

/// An echoed input file: a library-screen list as JSON Lines, the explore library as sent, or an
/// inline structure (decoded from base64, or a stand-in for one given by URL, which the emulator
/// does not fetch).
fn input_file(job: &JobRecord, artifact: &str, name: &str) -> Option<(Bytes, &'static str)> {
    let lines = |items: &Value| {
        let text: String = items.as_array()?.iter().map(|item| format!("{item}\n")).collect();
        Some((Bytes::from(text), "application/x-ndjson"))
    };
    match (job.family, name) {
        (Family::ProteinLibraryScreen, "proteins.jsonl") => lines(&job.request["proteins"]),
        (Family::SmallMoleculeLibraryScreen, "molecules.jsonl") => lines(&job.request["molecules"]),
        (Family::Explore, "library.csv" | "library.tsv") => {
            let source = job.request.pointer("/library/source")?;
            let data = STANDARD.decode(source["data"].as_str()?).ok()?;
            let content_type = if name.ends_with("csv") { "text/csv" } else { "text/tab-separated-values" };
            Some((Bytes::from(data), content_type))
        }
        _ => {
            let source = shapes::input_source(job, artifact)?;
            let content_type = if name.ends_with(".pdb") { "chemical/x-pdb" } else { "chemical/x-mmcif" };
            let bytes = match source.get("data").and_then(Value::as_str) {
                Some(data) => Bytes::from(STANDARD.decode(data).ok()?),
                None => {
                    let url = source.get("url").and_then(Value::as_str).unwrap_or_default();
                    Bytes::from(format!("# stand-in for {url}\n{}", structure_cif("input", "MKTAYIAKQR")))
                }
            };
            Some((bytes, content_type))
        }
    }
}

/// The first protein sequence among `entities`, if any.
fn first_protein(entities: Option<&Value>) -> Option<String> {
    entities?.as_array()?.iter().find_map(|e| match e["type"].as_str() {
        Some("protein") => e["value"].as_str().map(str::to_owned),
        Some("no_template") => first_protein(Some(&json!([e["entity"]]))),
        _ => None,
    })
}

fn prediction_structure(job: &JobRecord, sample: u64) -> String {
    let sequence = first_protein(job.request.pointer("/input/entities"))
        .unwrap_or_else(|| shapes::protein_sequence(&job.id, sample));
    structure_cif(&format!("{}_{sample}", job.id), &sequence)
}

fn result_structure(job: &JobRecord, k: u64) -> String {
    let name = shapes::result_id(job, k);
    match job.family {
        Family::ProteinDesign | Family::SequenceRedesign => {
            structure_cif(&name, &shapes::protein_sequence(&job.id, k))
        }
        Family::ProteinLibraryScreen => {
            let entities = job.request["proteins"].get((k - 1) as usize).and_then(|p| p.get("entities"));
            let sequence = first_protein(entities).unwrap_or_else(|| shapes::protein_sequence(&job.id, k));
            structure_cif(&name, &sequence)
        }
        _ => {
            let target = first_protein(job.request.pointer("/target/entities"))
                .unwrap_or_else(|| shapes::protein_sequence(&job.id, 0));
            let mut cif = structure_cif(&name, &target);
            cif.push_str(&ligand_atoms("L", 1));
            cif
        }
    }
}

fn three_letter(residue: char) -> &'static str {
    match residue.to_ascii_uppercase() {
        'A' => "ALA",
        'C' => "CYS",
        'D' => "ASP",
        'E' => "GLU",
        'F' => "PHE",
        'G' => "GLY",
        'H' => "HIS",
        'I' => "ILE",
        'K' => "LYS",
        'L' => "LEU",
        'M' => "MET",
        'N' => "ASN",
        'P' => "PRO",
        'Q' => "GLN",
        'R' => "ARG",
        'S' => "SER",
        'T' => "THR",
        'V' => "VAL",
        'W' => "TRP",
        'Y' => "TYR",
        _ => "UNK",
    }
}

const ATOM_SITE_HEADER: &str = "loop_\n_atom_site.group_PDB\n_atom_site.id\n_atom_site.type_symbol\n\
_atom_site.label_atom_id\n_atom_site.label_comp_id\n_atom_site.label_asym_id\n_atom_site.label_seq_id\n\
_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n";

/// A small mmCIF file: one CA atom per residue (at most 200), along an ideal helix.
pub(crate) fn structure_cif(name: &str, sequence: &str) -> String {
    let mut cif = format!("data_{name}\n#\n_entry.id {name}\n#\n{ATOM_SITE_HEADER}");
    for (i, residue) in sequence.chars().filter(char::is_ascii_alphabetic).take(200).enumerate() {
        let angle = (i as f64) * 100f64.to_radians();
        let (x, y, z) = (2.3 * angle.cos(), 2.3 * angle.sin(), 1.5 * i as f64);
        let _ =
            writeln!(cif, "ATOM {} C CA {} A {} {x:.3} {y:.3} {z:.3}", i + 1, three_letter(residue), i + 1);
    }
    cif.push_str("#\n");
    cif
}

/// Six ligand atoms in a ring, as `HETATM` rows (without the loop header).
fn ligand_atoms(chain: &str, first_id: usize) -> String {
    (0..6).fold(String::new(), |mut rows, i| {
        let angle = f64::from(i) * 60f64.to_radians();
        let (x, y) = (10.0 + 1.4 * angle.cos(), 1.4 * angle.sin());
        let _ = writeln!(
            rows,
            "HETATM {} C C{} LIG {chain} . {x:.3} {y:.3} 0.000",
            10_000 + first_id + i as usize,
            i + 1
        );
        rows
    })
}

/// A ligand-only mmCIF file.
fn ligand_cif(name: &str, chain: &str) -> String {
    format!("data_{name}\n#\n{ATOM_SITE_HEADER}{}#\n", ligand_atoms(chain, 1))
}

/// `archive.tar.gz`: `predicted_structure.cif` and `result/metrics.json`, and a hostile entry
/// when asked for one.
fn archive(structure: &str, metrics: &Value, hostile: Option<HostileArchive>) -> Bytes {
    let metrics = serde_json::to_vec_pretty(metrics).expect("serialisable");
    let mut entries = vec![
        Entry::file("predicted_structure.cif", structure.as_bytes()),
        Entry::file("result/metrics.json", &metrics),
    ];
    match hostile {
        Some(HostileArchive::Escape) => entries.push(Entry::file("../escaped.txt", b"outside")),
        Some(HostileArchive::Symlink) => {
            entries.push(Entry { name: "link", data: b"", kind: b'2', link: "/etc/passwd" })
        }
        None => {}
    }
    gzip(&tar(&entries))
}

/// The modification time of every archive entry: fixed, so archives are byte-for-byte stable.
const ARCHIVE_MTIME: u64 = 1_767_225_600;

/// One tar entry: a regular file (`0`), a directory (`5`) or a symbolic link (`2`).
struct Entry<'a> {
    name: &'a str,
    data: &'a [u8],
    kind: u8,
    link: &'a str,
}

impl<'a> Entry<'a> {
    fn file(name: &'a str, data: &'a [u8]) -> Self {
        Self { name, data, kind: b'0', link: "" }
    }
}

/// A ustar archive (names under 100 bytes), with a directory entry for each parent directory,
/// in the order given.
fn tar(entries: &[Entry<'_>]) -> Vec<u8> {
    fn octal(field: &mut [u8], value: u64) {
        let width = field.len() - 1;
        field[..width].copy_from_slice(format!("{value:0width$o}").as_bytes());
        field[width] = 0;
    }
    fn write(out: &mut Vec<u8>, entry: &Entry<'_>) {
        let mut header = [0u8; 512];
        header[..entry.name.len()].copy_from_slice(entry.name.as_bytes());
        octal(&mut header[100..108], if entry.kind == b'5' { 0o755 } else { 0o644 });
        octal(&mut header[108..116], 0);
        octal(&mut header[116..124], 0);
        octal(&mut header[124..136], entry.data.len() as u64);
        octal(&mut header[136..148], ARCHIVE_MTIME);
        header[148..156].fill(b' ');
        header[156] = entry.kind;
        header[157..157 + entry.link.len()].copy_from_slice(entry.link.as_bytes());
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        let checksum: u32 = header.iter().map(|&b| u32::from(b)).sum();
        header[148..156].copy_from_slice(format!("{checksum:06o}\0 ").as_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(entry.data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    let mut out = Vec::new();
    let mut directories: Vec<&str> = Vec::new();
    for entry in entries {
        if let Some((dir, _)) = entry.name.rsplit_once('/').filter(|(dir, _)| *dir != "..") {
            if !directories.contains(&dir) {
                directories.push(dir);
                write(&mut out, &Entry { name: &format!("{dir}/"), data: &[], kind: b'5', link: "" });
            }
        }
        write(&mut out, entry);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// Gzip with a zero modification time and no file name, so the bytes depend on the input only.
fn gzip(data: &[u8]) -> Bytes {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).expect("writing to memory");
    Bytes::from(encoder.finish().expect("writing to memory"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn hmac_matches_rfc_4231() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex(&mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn ranges() {
        use RangeSpec::*;
        assert_eq!(parse_range("bytes=0-9", 100), Bytes(0, 9));
        assert_eq!(parse_range("bytes=90-", 100), Bytes(90, 99));
        assert_eq!(parse_range("bytes=90-1000", 100), Bytes(90, 99));
        assert_eq!(parse_range("bytes=-10", 100), Bytes(90, 99));
        assert_eq!(parse_range("bytes=-1000", 100), Bytes(0, 99));
        assert_eq!(parse_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Ignore);
        assert_eq!(parse_range("bytes=9-1", 100), Ignore);
        assert_eq!(parse_range("items=0-1", 100), Ignore);
        assert_eq!(parse_range("bytes=x-1", 100), Ignore);
    }

    #[test]
    fn archives_are_deterministic_tar_gz() {
        let metrics = json!({"iptm": 0.5});
        let a = archive("data_x\n", &metrics, None);
        assert_eq!(a, archive("data_x\n", &metrics, None));
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(&a[..]).read_to_end(&mut tar).unwrap();
        assert_eq!(tar.len() % 512, 0);
        assert_eq!(&tar[..23], b"predicted_structure.cif");
        assert_eq!(&tar[257..263], b"ustar\0");
        // The directory entry for result/ precedes result/metrics.json.
        assert_eq!(&tar[1024..1031], b"result/");
        assert_eq!(tar[1024 + 156], b'5');
        assert_eq!(&tar[1536..1555], b"result/metrics.json");
        let checksum: u32 = tar[..512]
            .iter()
            .enumerate()
            .map(|(i, &b)| if (148..156).contains(&i) { u32::from(b' ') } else { u32::from(b) })
            .sum();
        let stored = u32::from_str_radix(std::str::from_utf8(&tar[148..154]).unwrap(), 8).unwrap();
        assert_eq!(stored, checksum);
        // Hostile ones end with their entry: a name that leaves, or a link.
        for (kind, name, flag) in
            [(HostileArchive::Escape, &b"../escaped.txt"[..], b'0'), (HostileArchive::Symlink, b"link", b'2')]
        {
            let mut tar = Vec::new();
            flate2::read::GzDecoder::new(&archive("data_x\n", &metrics, Some(kind))[..])
                .read_to_end(&mut tar)
                .unwrap();
            let last = tar.len() - 1024 - 512 * (1 + usize::from(flag == b'0'));
            assert_eq!((&tar[last..last + name.len()], tar[last + 156]), (name, flag));
        }
    }

    #[test]
    fn structures_are_mmcif() {
        let cif = structure_cif("x", "MKV");
        assert!(cif.starts_with("data_x\n"));
        assert!(cif.contains("ATOM 2 C CA LYS A 2"));
        assert!(ligand_cif("l", "L").contains("HETATM"));
    }
}
