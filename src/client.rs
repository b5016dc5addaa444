//! The [`Client`]: a cheap-to-clone handle on the boxed HTTP stack.
//!
//! ```
//! use boltz_api::Client;
//!
//! let client = Client::builder()
//!     .api_key("sk_bc_admin_live_example")
//!     .base_url("http://127.0.0.1:8080")
//!     .max_retries(3)
//!     .build()
//!     .unwrap();
//! let _same_stack = client.clone();
//! ```

mod builder;
mod call;
mod env;
mod proxy;
mod raw;
mod stack;
mod tls;
#[cfg(feature = "opentelemetry")]
mod traceparent;
mod transport;

pub use builder::{ClientBuilder, DEFAULT_BASE_URL};
pub use call::{Call, CallFuture};
pub use raw::RawRequest;
pub use tls::Certificate;

use std::fmt;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use http::Method;
use serde::de::DeserializeOwned;
use tower::Service;
use tower::util::{BoxCloneSyncService, Oneshot};

use boltz_api_layers::BoxError;

use crate::api::admin::Admin;
use crate::api::auth::Auth;
use crate::api::cli::Cli;
use crate::endpoint::Endpoint;
use crate::error::{BuildError, Error};
use crate::jobs::{Download, Job, Wait};
use crate::json::{ApiResponse, HttpRequest, HttpResponse, Json, ResponseFuture, decode_with_response};
use crate::models::common::PresignedFile;
use crate::redact::Redact;
use boltz_api_layers::auth::UseCredential;
use boltz_api_layers::trace::CredentialLabel;
use transport::Transport;

/// The type-erased HTTP stack inside a [`Client`].
pub type HttpService = BoxCloneSyncService<HttpRequest, HttpResponse, BoxError>;

/// A Boltz API client. Clones share the connection pool, the retry budget and every layer.
///
/// `Client` also implements `tower::Service<E>` for every [`Endpoint`] `E`, so tower layers
/// (concurrency limits, rate limits, metrics) can be put above it.
#[derive(Clone)]
pub struct Client {
    /// The stack behind `tower::Service`, which forwards readiness.
    json: Json<HttpService>,
    /// The same stack for awaited calls, which wait for readiness inside their future.
    shared: Arc<dyn SharedStack>,
    /// The configured key, scrubbed from the server's text that errors keep.
    redact: Option<Redact>,
    /// The connection pool for downloads from storage origins, below the stack: the default
    /// transport's when the client has one, else one made on the first download.
    files: Arc<OnceLock<Transport>>,
    /// The key of a client made by [`with_api_key`](Client::with_api_key).
    key: Option<Arc<KeyOverride>>,
}

/// A key that replaces the configured one on every call of a client: the auth layer sends it,
/// by the same origin rule, and the trace span shows its label.
#[derive(Debug)]
pub(crate) struct KeyOverride {
    credential: UseCredential,
    label: CredentialLabel,
}

impl KeyOverride {
    /// Put the key on a request about to enter the stack.
    pub(crate) fn stamp(&self, request: &mut HttpRequest) {
        let extensions = request.extensions_mut();
        extensions.insert(self.credential.clone());
        extensions.insert(self.label.clone());
    }
}

/// A stack called through a shared reference: each call clones the concrete stack into the
/// call's one boxed future, instead of boxing a clone of the boxed stack and then its future.
trait SharedStack: Send + Sync {
    fn oneshot(&self, request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse, BoxError>>;
}

impl<S> SharedStack for S
where
    S: Service<HttpRequest, Response = HttpResponse, Error = BoxError> + Clone + Send + Sync + 'static,
    S::Future: Send,
{
    fn oneshot(&self, request: HttpRequest) -> BoxFuture<'static, Result<HttpResponse, BoxError>> {
        Box::pin(Oneshot::new(self.clone(), request))
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults: `https://api.boltz.bio`, 2 retries, 60 s attempt timeout,
    /// 5 s connect timeout, no deadline.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from `BOLTZ_API_KEY`, `BOLTZ_BASE_URL` and `BOLTZ_CUSTOM_HEADERS`.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env().build()
    }

    /// A client over any HTTP service, used as the whole stack: no auth, retry or timeout layer
    /// is added. Tests pass mocks; users pass stacks of their own.
    pub fn from_service<S>(service: S) -> Self
    where
        S: Service<HttpRequest, Response = HttpResponse> + Clone + Send + Sync + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
    {
        Self::from_stack(tower::ServiceBuilder::new().map_err(Into::into).service(service), None)
    }

    /// A client over a finished stack: boxed for `tower::Service`, shared for awaited calls;
    /// errors scrub `redact`'s key from what the server sent.
    pub(crate) fn from_stack<S>(stack: S, redact: Option<Redact>) -> Self
    where
        S: Service<HttpRequest, Response = HttpResponse, Error = BoxError> + Clone + Send + Sync + 'static,
        S::Future: Send + 'static,
    {
        let json = Json::new(BoxCloneSyncService::new(stack.clone())).with_redact(redact.clone());
        Self { json, shared: Arc::new(stack), redact, files: Arc::default(), key: None }
    }

    /// A client that sends `key` instead of this one's, and shares everything else with it: the
    /// connection pool, the retry budget and every layer, so a backend acting for many
    /// workspaces needs one pool, not one per key. Cheap: two reference counts and the key.
    ///
    /// The key goes only to the base URL's origin, as the configured one does; it is marked
    /// sensitive, logs show only its prefix, and errors scrub it from what servers send back. A
    /// caller-set `x-api-key` header is replaced by it, and removed on other origins.
    ///
    /// ```
    /// let client = boltz_api::Client::builder().api_key("sk_bc_admin_live_a").base_url("http://127.0.0.1:1").build()?;
    /// let workspace = client.with_api_key("sk_bc_ws_live_b")?;
    /// assert!(!format!("{workspace:?}").contains("sk_bc_ws_live_b"));
    /// # Ok::<(), boltz_api::Error>(())
    /// ```
    pub fn with_api_key(&self, key: impl Into<String>) -> Result<Client, Error> {
        let key = key.into();
        if key.is_empty() {
            return Err(BuildError::MissingApiKey.into());
        }
        let value = http::HeaderValue::try_from(key.as_str()).map_err(|_| BuildError::InvalidApiKey)?;
        let label = builder::key_label(&key);
        let redact = Redact::new(&key, &label);
        let key = Arc::new(KeyOverride {
            credential: UseCredential::new(value),
            label: CredentialLabel(label.into()),
        });
        Ok(Client {
            json: self.json.clone().with_redact(redact.clone()).with_key(Some(key.clone())),
            shared: self.shared.clone(),
            redact,
            files: self.files.clone(),
            key: Some(key),
        })
    }

    /// Downloads use `transport`, the stack's own.
    pub(crate) fn with_files(self, transport: Transport) -> Self {
        Self { files: Arc::new(OnceLock::from(transport)), ..self }
    }

    /// The pool downloads go through.
    pub(crate) fn files(&self) -> Result<&Transport, Error> {
        if let Some(transport) = self.files.get() {
            return Ok(transport);
        }
        let made = transport::transport(&transport::TransportConfig::default())?;
        Ok(self.files.get_or_init(|| made))
    }

    /// Send `endpoint`; await the returned [`Call`], optionally after setting per-call options.
    pub fn send<E: Endpoint>(&self, endpoint: E) -> Call<'_, E> {
        Call::new(self, endpoint)
    }

    /// A request to any path (`/compute/v1/…`) or absolute URL through the same stack, for
    /// endpoints without a typed request yet. The key is sent only to the base URL's origin.
    pub fn request(&self, method: Method, target: &str) -> RawRequest<'_> {
        RawRequest::new(self, method, target)
    }

    /// The admin operations: API keys, workspaces, usage.
    pub fn admin(&self) -> Admin<'_> {
        Admin::new(self)
    }

    /// CLI release metadata.
    pub fn cli(&self) -> Cli<'_> {
        Cli::new(self)
    }

    /// The auth operations: who is calling.
    pub fn auth(&self) -> Auth<'_> {
        Auth::new(self)
    }

    /// Download a presigned file (a job's archive, a result's structure) to `path`, streamed
    /// and resumable, without the API key; see [`Download`].
    pub fn download(&self, file: &PresignedFile, path: impl AsRef<std::path::Path>) -> Download<'_> {
        Download::new(self, file, path.as_ref())
    }

    /// Start `request` in a run directory (`boltz-experiments/<name>` by default), wait for it
    /// and download what it makes; running it again under the same name resumes it. The
    /// directory is the official SDK's, so either client can finish it; see
    /// [`jobs::run`](crate::jobs::run).
    #[cfg(feature = "runs")]
    pub fn run<R: crate::jobs::run::Runnable>(&self, request: R) -> crate::jobs::run::Run<'_, R> {
        crate::jobs::run::Run::new(self, request)
    }

    /// Finish a run directory this crate or the official SDK started: wait for the run and
    /// download what it made since the directory was last updated (the SDK's
    /// `wait_and_download`).
    #[cfg(feature = "runs")]
    pub fn finish_run(&self, dir: impl AsRef<std::path::Path>) -> crate::jobs::run::FinishRun<'_> {
        crate::jobs::run::FinishRun::new(self, dir.as_ref())
    }

    /// Download what an existing run made (started anywhere: another service, the web app, the
    /// CLI) into a run directory, waiting for it to end: the SDK's
    /// `experiments.download_results(id=…)` and the CLI's `download-results --id`. The run's
    /// kind comes from its ID's prefix (`sab_pred_`, `prot_des_`, `sm_scr_`, …), so an ID of no
    /// known kind is refused before any call; the directory is named from the ID as they name it
    /// unless `.name`/`.dir` say otherwise, and downloading the same ID again resumes it.
    #[cfg(feature = "runs")]
    pub fn download_results(&self, id: impl Into<String>) -> crate::jobs::run::DownloadResults<'_> {
        crate::jobs::run::DownloadResults::new(self, id.into())
    }

    /// Stop the pipeline a run directory holds (the SDK's `experiments.stop`), unless it has
    /// ended; [`finish_run`](Client::finish_run) then collects the results it made.
    #[cfg(feature = "runs")]
    pub async fn stop_run(
        &self,
        dir: impl AsRef<std::path::Path>,
    ) -> Result<crate::jobs::run::RunDir, Error> {
        crate::jobs::run::stop(self, dir.as_ref()).await
    }

    /// Wait for a prediction or pipeline run: `.await` it for how it ended, or take
    /// `.events()` for every change on the way; see [`jobs`](crate::jobs).
    pub fn wait<J: Job>(&self, job: &J) -> Wait<'_, J> {
        Wait::new(self, job.id())
    }
}

impl Client {
    /// The key to scrub from errors, for futures that decode on their own.
    pub(crate) fn redact(&self) -> Option<Redact> {
        self.redact.clone()
    }

    /// Send an encoded request through the stack, once it is ready.
    pub(crate) fn send_http(
        &self,
        mut request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, BoxError>> {
        if let Some(key) = &self.key {
            key.stamp(&mut request);
        }
        self.shared.oneshot(request)
    }

    /// Send an encoded request through the stack and decode its response.
    /// `secret`: the response holds a secret, so decode errors must not quote it.
    pub(crate) fn execute<T: DeserializeOwned>(
        &self,
        request: Result<HttpRequest, BuildError>,
        secret: bool,
    ) -> impl Future<Output = Result<ApiResponse<T>, Error>> + Send + 'static {
        // Bad input fails here, before any readiness wait or I/O.
        let sent = request.map(|request| self.send_http(request));
        let redact = self.redact.clone();
        async move { decode_with_response(sent?.await.map_err(Error::from_stack)?, secret, redact.as_ref()) }
    }
}

impl<E: Endpoint> Service<E> for Client {
    type Response = E::Response;
    type Error = Error;
    type Future = ResponseFuture<<HttpService as Service<HttpRequest>>::Future, E::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.json.poll_ready_http(cx)
    }

    fn call(&mut self, endpoint: E) -> Self::Future {
        Service::<E>::call(&mut self.json, endpoint)
    }
}
