//! Downloading presigned files from a storage server on another port: streamed to a `.part` and
//! renamed, resumed with `Range` after a cut, rewritten when the server ignores the range, a link
//! refreshed when it has expired, and never a header of the API's sent to storage.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use boltz_api::models::common::PresignedFile;
use boltz_api::{Client, Error};
use bytes::Bytes;
use futures_util::stream;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const KEY: &str = "sk_bc_admin_live_download_0123456789";

/// 200 000 deterministic bytes.
fn content() -> Bytes {
    (0..200_000u32).map(|i| (i.wrapping_mul(31) % 251) as u8).collect::<Vec<_>>().into()
}

type Body = BoxBody<Bytes, std::io::Error>;

/// What the storage server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    headers: HeaderMap,
}

struct Storage {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Storage {
    fn link(&self, path: &str, expires_in: chrono::Duration) -> PresignedFile {
        let json = format!(
            r#"{{"url":"http://{}{path}","url_expires_at":"{}"}}"#,
            self.addr,
            (chrono::Utc::now() + expires_in).to_rfc3339()
        );
        serde_json::from_str(&json).unwrap()
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn full(status: StatusCode, body: Bytes) -> Response<Body> {
    let mut response = Response::new(Full::new(body).map_err(|never| match never {}).boxed());
    *response.status_mut() = status;
    response
}

/// The body from `from` on, as the server answers a `Range` (or the whole file).
fn ranged(req: &Request<Incoming>, data: &Bytes) -> Response<Body> {
    let from = req
        .headers()
        .get("range")
        .and_then(|r| r.to_str().ok()?.strip_prefix("bytes=")?.strip_suffix('-')?.parse::<usize>().ok());
    match from {
        Some(from) if from >= data.len() => {
            let mut response = full(StatusCode::RANGE_NOT_SATISFIABLE, Bytes::new());
            response
                .headers_mut()
                .insert("content-range", format!("bytes */{}", data.len()).parse().unwrap());
            response
        }
        Some(from) => {
            let mut response = full(StatusCode::PARTIAL_CONTENT, data.slice(from..));
            let range = format!("bytes {from}-{}/{}", data.len() - 1, data.len());
            response.headers_mut().insert("content-range", range.parse().unwrap());
            response
        }
        None => full(StatusCode::OK, data.clone()),
    }
}

/// A body that sends its first `cut` bytes, then breaks the connection.
fn cut(data: &Bytes, cut: usize) -> Response<Body> {
    let first = data.slice(..cut);
    let chunks = stream::iter([Ok(Frame::data(first))]).chain(stream::once(async {
        // Let the first bytes leave before the connection is dropped.
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::other("cut"))
    }));
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(chunks)));
    response.headers_mut().insert("content-length", data.len().to_string().parse().unwrap());
    response
}

use futures_util::StreamExt;

async fn start_storage(
    handler: impl Fn(&Request<Incoming>, usize) -> Response<Body> + Send + Sync + 'static,
) -> Storage {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let handler = Arc::new(handler);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (log, handler) = (log.clone(), handler.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let index = {
                        let mut log = log.lock().unwrap();
                        log.push(Seen { path: req.uri().path().to_owned(), headers: req.headers().clone() });
                        log.len() - 1
                    };
                    let response = handler(&req, index);
                    async move { Ok::<_, Infallible>(response) }
                });
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Storage { addr, seen }
}

fn client() -> Client {
    // The API origin is elsewhere: nothing of it may reach the storage server.
    Client::builder().api_key(KEY).base_url("http://127.0.0.1:9").build().unwrap()
}

fn dir() -> tempdir::Dir {
    tempdir::Dir::new()
}

/// A scratch directory removed on drop.
mod tempdir {
    use std::path::{Path, PathBuf};

    pub(crate) struct Dir(PathBuf);

    impl Dir {
        pub(crate) fn new() -> Self {
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("boltz-download-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[tokio::test]
async fn a_whole_file_streams_to_disk_with_progress_and_no_api_header() {
    let data = content();
    let served = data.clone();
    let storage = start_storage(move |req, _| ranged(req, &served)).await;
    let dir = dir();
    let path = dir.path().join("archive.tar.gz");
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = progress.clone();
    let done = client()
        .download(&storage.link("/files/archive.tar.gz", chrono::Duration::minutes(10)), &path)
        .on_progress(move |p| seen.lock().unwrap().push((p.done, p.total)))
        .await
        .unwrap();
    assert_eq!((done.bytes, done.attempts, done.refreshes), (200_000, 1, 0));
    assert_eq!(std::fs::read(&path).unwrap(), data);
    assert!(!dir.path().join("archive.tar.gz.part").exists());
    let progress = progress.lock().unwrap();
    assert_eq!(progress.last(), Some(&(200_000, Some(200_000))));
    assert!(progress.windows(2).all(|w| w[0].0 <= w[1].0));
    let [request] = storage.seen().try_into().unwrap();
    for header in ["x-api-key", "authorization", "x-stainless-retry-count", "cookie"] {
        assert!(request.headers.get(header).is_none(), "{header} was sent to storage");
    }
}

#[tokio::test]
async fn a_cut_body_resumes_with_a_range() {
    let data = content();
    let served = data.clone();
    let storage =
        start_storage(move |req, index| if index == 0 { cut(&served, 70_000) } else { ranged(req, &served) })
            .await;
    let dir = dir();
    let path = dir.path().join("a.bin");
    let done = client().download(&storage.link("/a", chrono::Duration::minutes(10)), &path).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), data);
    assert_eq!(done.attempts, 2);
    let seen = storage.seen();
    assert_eq!(
        seen[1].headers["range"], "bytes=70000-",
        "the second request resumes where the first stopped"
    );
}

#[tokio::test]
async fn a_part_from_an_earlier_run_is_resumed_and_a_server_ignoring_ranges_rewrites_it() {
    let data = content();
    let dir = dir();
    let path = dir.path().join("b.bin");
    std::fs::write(dir.path().join("b.bin.part"), &data[..50_000]).unwrap();
    let served = data.clone();
    let storage = start_storage(move |req, _| ranged(req, &served)).await;
    client().download(&storage.link("/b", chrono::Duration::minutes(10)), &path).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), data);
    let [request] = storage.seen().try_into().unwrap();
    assert_eq!(request.headers["range"], "bytes=50000-");

    // A server that answers a range with the whole file: the part is rewritten, not appended to.
    let path = dir.path().join("c.bin");
    std::fs::write(dir.path().join("c.bin.part"), &data[..50_000]).unwrap();
    let served = data.clone();
    let storage = start_storage(move |_, _| full(StatusCode::OK, served.clone())).await;
    client().download(&storage.link("/c", chrono::Duration::minutes(10)), &path).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), data);
}

#[tokio::test]
async fn an_expired_link_is_refreshed() {
    let data = content();
    let served = data.clone();
    // Only `/fresh` serves the file; `/stale` answers 403 as an expired presigned URL does.
    let storage = Arc::new(
        start_storage(move |req, _| match req.uri().path() {
            "/fresh" => ranged(req, &served),
            _ => full(StatusCode::FORBIDDEN, Bytes::from_static(b"<Error><Code>AccessDenied</Code></Error>")),
        })
        .await,
    );
    let dir = dir();
    let refreshed = Arc::new(Mutex::new(0));
    let (count, links) = (refreshed.clone(), storage.clone());
    let done = client()
        .download(&storage.link("/stale", chrono::Duration::minutes(10)), dir.path().join("d.bin"))
        .refresh(move || {
            *count.lock().unwrap() += 1;
            let link = links.link("/fresh", chrono::Duration::minutes(10));
            async move { Ok(link) }
        })
        .await
        .unwrap();
    assert_eq!((done.refreshes, *refreshed.lock().unwrap()), (1, 1));
    assert_eq!(std::fs::read(dir.path().join("d.bin")).unwrap(), data);

    // A link whose expiry has passed is refreshed before any request is made with it.
    let before = storage.seen().len();
    let links = storage.clone();
    client()
        .download(&storage.link("/stale", -chrono::Duration::minutes(1)), dir.path().join("e.bin"))
        .refresh(move || {
            let link = links.link("/fresh", chrono::Duration::minutes(10));
            async move { Ok(link) }
        })
        .await
        .unwrap();
    let paths: Vec<String> = storage.seen()[before..].iter().map(|s| s.path.clone()).collect();
    assert_eq!(paths, ["/fresh"]);

    // Without a refresher an expired link is an error that names the status.
    let err = client()
        .download(&storage.link("/stale", chrono::Duration::minutes(10)), dir.path().join("f.bin"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN), "{err:?}");
}

#[tokio::test]
async fn transient_failures_are_retried_and_a_404_is_not() {
    let data = content();
    let served = data.clone();
    let storage = start_storage(move |req, index| match (req.uri().path(), index) {
        ("/gone", _) => full(StatusCode::NOT_FOUND, Bytes::new()),
        (_, 0) => full(StatusCode::SERVICE_UNAVAILABLE, Bytes::new()),
        _ => ranged(req, &served),
    })
    .await;
    let dir = dir();
    let done = client()
        .download(&storage.link("/flaky", chrono::Duration::minutes(10)), dir.path().join("g"))
        .await
        .unwrap();
    assert_eq!(done.attempts, 2);
    let before = storage.seen().len();
    let err = client()
        .download(&storage.link("/gone", chrono::Duration::minutes(10)), dir.path().join("h"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(storage.seen().len(), before + 1, "a 404 is not retried");
    assert!(matches!(err, Error::Api(_)));
}

#[tokio::test]
async fn relative_redirects_are_resolved_like_the_apis() {
    let data = content();
    let served = data.clone();
    let storage = start_storage(move |req, _| match req.uri().path() {
        // A dot-segment reference, which must resolve against the link's path.
        "/links/a/archive.tar.gz" => {
            let mut response = full(StatusCode::FOUND, Bytes::new());
            response.headers_mut().insert("location", "../../store/b/archive.tar.gz?sig=1".parse().unwrap());
            response
        }
        "/store/b/archive.tar.gz" => ranged(req, &served),
        _ => full(StatusCode::NOT_FOUND, Bytes::new()),
    })
    .await;
    let dir = dir();
    let path = dir.path().join("archive.tar.gz");
    client()
        .download(&storage.link("/links/a/archive.tar.gz", chrono::Duration::minutes(10)), &path)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), data);
    let paths: Vec<_> = storage.seen().into_iter().map(|s| s.path).collect();
    assert_eq!(paths, ["/links/a/archive.tar.gz", "/store/b/archive.tar.gz"]);
}
