//! Downloading a presigned file to disk: streamed, resumed, retried, refreshed when its link
//! expires, and never sent with the API key.
//!
//! The bytes go to `<path>.part`, which is synced and then renamed to `path`, so `path` only ever
//! holds a whole file. A `.part` left by an earlier attempt or run is resumed with an HTTP `Range`
//! request; a server that ignores the range sends the whole file again and the `.part` is
//! rewritten. Connection failures, stalls, truncated bodies and 408/429/5xx answers are retried
//! with backoff from where the bytes stopped. A link past its `url_expires_at`, or refused with
//! 403, is replaced by calling the refresher, which fetches the job or result again. The request
//! goes straight to the storage origin through the client's connection pool, below the stack
//! that adds the key: no header of the API's is sent.

use std::fmt;
use std::future::IntoFuture;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use futures_util::future::BoxFuture;
use http::header::{CONTENT_LENGTH, CONTENT_RANGE, RANGE};
use http::{HeaderValue, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use tokio::io::AsyncWriteExt;

use boltz_api_layers::retry::backoff::backoff;
use boltz_api_layers::retry::location::next_hop;

use crate::client::Client;
use crate::error::{ApiError, BuildError, Error};
use crate::models::common::PresignedFile;

/// How far a download has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadProgress {
    /// Bytes on disk so far, a resumed `.part` included.
    pub done: u64,
    /// The file's size, once the server has said.
    pub total: Option<u64>,
}

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Downloaded {
    /// Where the file is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Attempts made, the first included.
    pub attempts: u32,
    /// How many times the link was replaced because it had expired.
    pub refreshes: u32,
}

type Refresh = Box<dyn FnMut() -> BoxFuture<'static, Result<PresignedFile, Error>> + Send>;
type OnProgress = Box<dyn FnMut(DownloadProgress) + Send>;

/// A download about to start, made by [`Client::download`]; `.await` it.
#[must_use = "a download does nothing until it is awaited"]
pub struct Download<'a> {
    client: &'a Client,
    file: PresignedFile,
    path: PathBuf,
    refresh: Option<Refresh>,
    progress: Option<OnProgress>,
    max_retries: u32,
    stall: Duration,
    attempt_timeout: Option<Duration>,
}

impl fmt::Debug for Download<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The link is a bearer credential for the file: show where it goes, not the signature.
        let host = self.file.url.parse::<Uri>().ok().and_then(|u| u.host().map(str::to_owned));
        f.debug_struct("Download").field("host", &host).field("path", &self.path).finish_non_exhaustive()
    }
}

/// Refreshes of an expired link before giving up.
const MAX_REFRESHES: u32 = 3;
/// Redirects followed per request.
const MAX_REDIRECTS: u32 = 5;

impl<'a> Download<'a> {
    pub(crate) fn new(client: &'a Client, file: &PresignedFile, path: &Path) -> Self {
        Self {
            client,
            file: file.clone(),
            path: path.to_owned(),
            refresh: None,
            progress: None,
            max_retries: 5,
            stall: Duration::from_secs(60),
            attempt_timeout: None,
        }
    }

    /// How to get a fresh link when this one has expired: usually fetch the job or result again
    /// and return its file. Without one, an expired link is an error.
    pub fn refresh<F>(mut self, refresh: impl FnMut() -> F + Send + 'static) -> Self
    where
        F: std::future::Future<Output = Result<PresignedFile, Error>> + Send + 'static,
    {
        let mut refresh = refresh;
        self.refresh = Some(Box::new(move || Box::pin(refresh())));
        self
    }

    /// Called as bytes arrive.
    pub fn on_progress(mut self, progress: impl FnMut(DownloadProgress) + Send + 'static) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Retries after transient failures (default 5).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Give an attempt up when no byte has arrived for this long, the response's headers
    /// included (default 60 s).
    pub fn stall_timeout(mut self, stall: Duration) -> Self {
        self.stall = stall;
        self
    }

    /// Give an attempt up after this long in all (default: none); the next one resumes from the
    /// bytes it got.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }
}

impl<'a> IntoFuture for Download<'a> {
    type Output = Result<Downloaded, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// What one attempt came to.
enum Attempt {
    /// The whole file is in the `.part`.
    Complete(u64),
    /// Worth trying again from where the bytes stopped.
    Retry(Error),
    /// The link has expired.
    Expired(Error),
}

impl Download<'_> {
    fn part_path(&self) -> PathBuf {
        let mut name = self.path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".part");
        self.path.with_file_name(name)
    }

    async fn run(mut self) -> Result<Downloaded, Error> {
        let part = self.part_path();
        let (mut attempts, mut retries, mut refreshes) = (0, 0, 0);
        loop {
            if !self.file.has_link() && self.refresh.is_none() {
                return Err(BuildError::MissingLink.into());
            }
            if self.file.url_expires_at <= Utc::now() {
                self.replace_link(&mut refreshes, None).await?;
            }
            attempts += 1;
            match self.attempt(&part).await? {
                Attempt::Complete(bytes) => {
                    finish(&part, &self.path).await.map_err(|e| file_error(&self.path, e))?;
                    return Ok(Downloaded { path: self.path, bytes, attempts, refreshes });
                }
                Attempt::Expired(err) => self.replace_link(&mut refreshes, Some(err)).await?,
                Attempt::Retry(err) if retries < self.max_retries => {
                    tracing::debug!(retry = retries + 1, error = %err, "download interrupted; resuming");
                    tokio::time::sleep(backoff(retries, fastrand::f64())).await;
                    retries += 1;
                }
                Attempt::Retry(err) => return Err(err),
            }
        }
    }

    /// Ask the refresher for a new link; without one, or after too many, `err` (or an expiry
    /// error) is the result.
    async fn replace_link(&mut self, refreshes: &mut u32, err: Option<Error>) -> Result<(), Error> {
        match self.refresh.as_mut() {
            Some(refresh) if *refreshes < MAX_REFRESHES => {
                self.file = refresh().await?;
                *refreshes += 1;
                Ok(())
            }
            _ => Err(err.unwrap_or_else(|| link_expired(&self.file))),
        }
    }

    async fn attempt(&mut self, part: &Path) -> Result<Attempt, Error> {
        let offset = match tokio::fs::metadata(part).await {
            Ok(meta) => meta.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(file_error(part, e)),
        };
        // The attempt's limit is checked between writes, never in the middle of one, so the
        // `.part` always ends where the next attempt resumes.
        let ends = self.attempt_timeout.map(|limit| tokio::time::Instant::now() + limit);
        let wait = |stall: Duration| match ends {
            Some(ends) => stall.min(ends.saturating_duration_since(tokio::time::Instant::now())),
            None => stall,
        };
        let timed_out = || {
            let what =
                if ends.is_some_and(|e| e <= tokio::time::Instant::now()) { "timed out" } else { "stalled" };
            Attempt::Retry(Error::Transport(format!("the download {what}").into()))
        };
        let response =
            match tokio::time::timeout(wait(self.stall), get(self.client, &self.file.url, offset)).await {
                Ok(Ok(response)) => response,
                Ok(Err(err)) => return Ok(Attempt::Retry(err)),
                Err(_) => return Ok(timed_out()),
            };
        let status = response.status();
        let (mut from, total) = match status {
            StatusCode::PARTIAL_CONTENT => match content_range(response.headers()) {
                Some((start, total)) if start == offset => (offset, total),
                // A range other than the one asked for: start over.
                _ => {
                    truncate(part).await?;
                    return Ok(Attempt::Retry(Error::Transport("an unexpected Content-Range".into())));
                }
            },
            StatusCode::OK => (0, content_length(response.headers())),
            StatusCode::RANGE_NOT_SATISFIABLE => {
                // Nothing after `offset`: done if that is the whole file, else start over.
                let total = content_range(response.headers()).and_then(|(_, t)| t);
                if offset > 0 && total == Some(offset) {
                    return Ok(Attempt::Complete(offset));
                }
                truncate(part).await?;
                return Ok(Attempt::Retry(Error::Transport("the range was not satisfiable".into())));
            }
            StatusCode::FORBIDDEN => return Ok(Attempt::Expired(storage_error(response).await)),
            s if s == StatusCode::REQUEST_TIMEOUT
                || s == StatusCode::TOO_MANY_REQUESTS
                || s.is_server_error() =>
            {
                return Ok(Attempt::Retry(storage_error(response).await));
            }
            _ => return Err(storage_error(response).await),
        };
        let mut file = if from == 0 {
            tokio::fs::File::create(part).await
        } else {
            tokio::fs::OpenOptions::new().append(true).open(part).await
        }
        .map_err(|e| file_error(part, e))?;
        self.report(from, total);
        let mut body = response.into_body();
        loop {
            let frame = match tokio::time::timeout(wait(self.stall), body.frame()).await {
                Err(_) => {
                    file.flush().await.map_err(|e| file_error(part, e))?;
                    return Ok(timed_out());
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => {
                    file.flush().await.map_err(|e| file_error(part, e))?;
                    return Ok(Attempt::Retry(Error::Transport(e.into())));
                }
                Ok(Some(Ok(frame))) => frame,
            };
            if let Ok(data) = frame.into_data() {
                let data: Bytes = data;
                file.write_all(&data).await.map_err(|e| file_error(part, e))?;
                from += data.len() as u64;
                self.report(from, total);
            }
        }
        file.flush().await.map_err(|e| file_error(part, e))?;
        file.sync_all().await.map_err(|e| file_error(part, e))?;
        match total {
            Some(total) if from != total => {
                Ok(Attempt::Retry(Error::Transport("the body ended early".into())))
            }
            _ => Ok(Attempt::Complete(from)),
        }
    }

    fn report(&mut self, done: u64, total: Option<u64>) {
        if let Some(progress) = self.progress.as_mut() {
            progress(DownloadProgress { done, total });
        }
    }
}

/// `GET` the link from `offset`, following redirects; only the range header is sent.
async fn get(
    client: &Client,
    url: &str,
    offset: u64,
) -> Result<http::Response<hyper::body::Incoming>, Error> {
    let mut uri: Uri = url.parse().map_err(|e: http::uri::InvalidUri| BuildError::InvalidUri(e.into()))?;
    let transport = client.files()?;
    for _ in 0..=MAX_REDIRECTS {
        let mut request =
            Request::get(uri.clone()).body(Full::<Bytes>::default()).map_err(BuildError::InvalidUri)?;
        if offset > 0 {
            let range = HeaderValue::try_from(format!("bytes={offset}-")).expect("digits are a valid header");
            request.headers_mut().insert(RANGE, range);
        }
        let response = transport.request(request).await.map_err(|e| Error::from_stack(e.into()))?;
        if !response.status().is_redirection() {
            return Ok(response);
        }
        // Resolved like the API's redirects (RFC 3986); an unusable one ends the chain, and
        // the redirect itself is then the response.
        match next_hop(&uri, &response) {
            Ok(next) => uri = next,
            Err(_) => return Ok(response),
        }
    }
    Err(Error::Transport("too many redirects".into()))
}

fn link_expired(file: &PresignedFile) -> Error {
    let status = StatusCode::FORBIDDEN;
    let message = format!("the download link expired at {}", file.url_expires_at);
    Error::Api(Box::new(ApiError::new(status, http::HeaderMap::new(), Bytes::from(message))))
}

async fn storage_error(response: http::Response<hyper::body::Incoming>) -> Error {
    let (parts, body) = response.into_parts();
    let body = http_body_util::Limited::new(body, 64 * 1024)
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Error::Api(Box::new(ApiError::new(parts.status, parts.headers, body)))
}

fn file_error(path: &Path, source: io::Error) -> Error {
    Error::File { path: path.to_owned(), source }
}

async fn truncate(part: &Path) -> Result<(), Error> {
    match tokio::fs::remove_file(part).await {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(file_error(part, e)),
        _ => Ok(()),
    }
}

/// Rename the synced `.part` into place and sync its directory, so the rename survives a crash.
async fn finish(part: &Path, path: &Path) -> io::Result<()> {
    tokio::fs::rename(part, path).await?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        tokio::fs::File::open(dir).await?.sync_all().await?;
    }
    Ok(())
}

fn content_length(headers: &http::HeaderMap) -> Option<u64> {
    headers.get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// `bytes START-END/TOTAL` (or `bytes */TOTAL`): the start, if any, and the total, if known.
fn content_range(headers: &http::HeaderMap) -> Option<(u64, Option<u64>)> {
    let value = headers.get(CONTENT_RANGE)?.to_str().ok()?.strip_prefix("bytes ")?;
    let (range, total) = value.split_once('/')?;
    let total = total.parse().ok();
    let start = match range {
        "*" => 0,
        range => range.split_once('-')?.0.parse().ok()?,
    };
    Some((start, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        let headers = |v: &'static str| {
            let mut h = http::HeaderMap::new();
            h.insert(CONTENT_RANGE, HeaderValue::from_static(v));
            h
        };
        assert_eq!(content_range(&headers("bytes 100-199/200")), Some((100, Some(200))));
        assert_eq!(content_range(&headers("bytes 0-9/*")), Some((0, None)));
        assert_eq!(content_range(&headers("bytes */200")), Some((0, Some(200))));
        assert_eq!(content_range(&headers("items 0-1/2")), None);
    }
}
