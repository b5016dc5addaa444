use bytes::Bytes;
use http::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::endpoint::Idempotency;
use crate::error::{BuildError, Error};
use crate::json::{ApiResponse, HttpRequest, assemble};
use crate::options::RequestOptions;
use boltz_api_layers::operation::Operation;

/// A request to any endpoint, typed or not, through the same stack: auth, retries, timeouts,
/// logging and error mapping. Made by [`Client::request`].
///
/// ```no_run
/// # async fn run(client: boltz_api::Client) -> Result<(), boltz_api::Error> {
/// use http::Method;
/// let runs: serde_json::Value = client
///     .request(Method::GET, "/compute/v1/predictions/structure-and-binding")
///     .query([("limit", "5")])
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is sent"]
#[derive(Debug)]
pub struct RawRequest<'a> {
    client: &'a Client,
    method: Method,
    target: String,
    query: String,
    body: Result<Option<Bytes>, String>,
    idempotency: Option<Idempotency>,
    /// The operation name and path template for traces, when the caller knows them.
    operation: Option<(&'static str, &'static str)>,
    options: RequestOptions,
}

impl<'a> RawRequest<'a> {
    pub(crate) fn new(client: &'a Client, method: Method, target: &str) -> Self {
        Self {
            client,
            method,
            target: target.to_owned(),
            query: String::new(),
            body: Ok(None),
            idempotency: None,
            operation: None,
            options: RequestOptions::default(),
        }
    }

    /// Append query parameters, URL-encoded; a key may repeat.
    pub fn query<I, K, V>(mut self, pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut query = form_urlencoded::Serializer::new(std::mem::take(&mut self.query));
        query.extend_pairs(pairs);
        self.query = query.finish();
        self
    }

    /// Send `body` as JSON.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.body = serde_json::to_vec(body).map(|b| Some(Bytes::from(b))).map_err(|e| e.to_string());
        self
    }

    /// How replaying the request is treated; by default the method decides (GET, PUT and DELETE
    /// are replayed after failures, POST and PATCH only when they cannot have been processed).
    pub fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = Some(idempotency);
        self
    }

    /// Name the operation in traces (`protein.design.retrieve`, `/compute/v1/protein/design/{id}`)
    /// for crate code that knows which endpoint it calls.
    #[cfg_attr(not(feature = "runs"), allow(dead_code))]
    pub(crate) fn operation(mut self, name: &'static str, path_template: &'static str) -> Self {
        self.operation = Some((name, path_template));
        self
    }

    option_setters!();

    /// Send and decode the body as `T` (`serde_json::Value` for anything).
    pub async fn send<T: DeserializeOwned + Send>(self) -> Result<T, Error> {
        Ok(self.send_with_response().await?.value)
    }

    /// Send and decode, keeping the status and headers.
    pub async fn send_with_response<T: DeserializeOwned + Send>(self) -> Result<ApiResponse<T>, Error> {
        let client = self.client;
        client.execute(self.into_http(), false).await
    }

    fn into_http(self) -> Result<HttpRequest, BuildError> {
        let body = self.body.map_err(|reason| BuildError::InvalidBody { reason })?;
        let query = self.query;
        let mut target = self.target;
        if !query.is_empty() {
            target.push(if target.contains('?') { '&' } else { '?' });
            target.push_str(&query);
        }
        let (name, path_template) = self.operation.unwrap_or(("raw", "(raw)"));
        let operation = Operation {
            name,
            path_template,
            idempotency: self.idempotency.unwrap_or_else(|| Idempotency::from_method(&self.method)),
        };
        assemble(self.method, target, body, operation, self.options)
    }
}
