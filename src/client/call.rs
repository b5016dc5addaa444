use std::future::IntoFuture;

use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use tower::BoxError;

use crate::client::Client;
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::json::{ApiResponse, HttpResponse, ResponseFuture, encode};
use crate::options::RequestOptions;
use crate::pagination::Paginated;

/// A call about to be made: set per-call options, then `.await` it.
///
/// ```no_run
/// # async fn run(client: boltz_api::Client) -> Result<(), boltz_api::Error> {
/// use std::time::Duration;
/// let key = client.admin().api_keys().revoke("key_123")
///     .timeout(Duration::from_secs(5))
///     .header("x-request-source", "rotation")
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a call does nothing until it is awaited"]
#[derive(Debug)]
pub struct Call<'a, E> {
    client: &'a Client,
    endpoint: E,
    options: RequestOptions,
}

impl<'a, E: Endpoint> Call<'a, E> {
    pub(crate) fn new(client: &'a Client, endpoint: E) -> Self {
        Self { client, endpoint, options: RequestOptions::default() }
    }

    option_setters!();

    /// Make the call and keep the response's status and headers with the decoded value.
    pub async fn with_response(self) -> Result<ApiResponse<E::Response>, Error>
    where
        E::Response: Send,
    {
        self.client.execute(encode(&self.endpoint, self.options), E::SECRET_RESPONSE).await
    }
}

impl<E> Call<'_, E>
where
    E: Paginated + Send + 'static,
    E::Item: Send + 'static,
    E::Response: Send + 'static,
{
    /// Every item of the listing, fetching pages as the stream is polled. Each page is its own
    /// call, with its own retries and the same per-call options. The stream is boxed, so it is
    /// `Unpin` and can be polled with `try_next` directly.
    pub fn stream(self) -> BoxStream<'static, Result<E::Item, Error>> {
        let client = self.client.clone();
        let options = self.options;
        stream::try_unfold(Some(self.endpoint), move |next| {
            let client = client.clone();
            let options = options.clone();
            async move {
                let Some(request) = next else { return Ok::<_, Error>(None) };
                let page = client.send(request.clone()).options(options).await?;
                let (items, next) = request.split(page);
                Ok(Some((stream::iter(items.into_iter().map(Ok)), next)))
            }
        })
        .try_flatten()
        .boxed()
    }
}

/// The future of an awaited [`Call`]: waits for the stack's readiness, sends, decodes.
pub type CallFuture<T> = ResponseFuture<BoxFuture<'static, Result<HttpResponse, BoxError>>, T>;

impl<E> IntoFuture for Call<'_, E>
where
    E: Endpoint,
    E::Response: Send + 'static,
{
    type Output = Result<E::Response, Error>;
    type IntoFuture = CallFuture<E::Response>;

    fn into_future(self) -> Self::IntoFuture {
        // Encoding happens now, so bad input fails before any I/O or readiness wait.
        match encode(&self.endpoint, self.options) {
            Ok(request) => ResponseFuture::waiting(
                self.client.send_http(request),
                E::SECRET_RESPONSE,
                self.client.redact(),
            ),
            Err(err) => ResponseFuture::failed(err.into()),
        }
    }
}
