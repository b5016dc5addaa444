use bytes::Bytes;
use http::Method;

use crate::endpoint::{Endpoint, EndpointMeta, Idempotency, json_body};
use crate::error::BuildError;
use crate::models::{DataRetention, Extra, LifetimeLimit, Model, Workspace};

/// `POST /compute/v1/admin/workspaces`: create a workspace.
///
/// Not idempotent: a blind replay could create a second workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Model)]
pub struct CreateWorkspace {
    data_retention: Option<DataRetention>,
    name: Option<String>,
    spending_limit: Option<LifetimeLimit>,
    /// Fields this version of the crate does not know, sent as they were read.
    extra: Extra,
}

impl CreateWorkspace {
    /// A workspace with the server's defaults (7 days of retention, no name, no cap).
    pub fn new() -> Self {
        Self::default()
    }

    /// Its name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// How long result data is kept (at most 14 days / 336 hours).
    pub fn data_retention(mut self, retention: DataRetention) -> Self {
        self.data_retention = Some(retention);
        self
    }

    /// An initial lifetime spending ceiling, in milli-USD.
    pub fn spending_limit(mut self, amount: i64) -> Self {
        self.spending_limit = Some(LifetimeLimit::milli_usd(amount));
        self
    }
}

impl Endpoint for CreateWorkspace {
    type Response = Workspace;

    const META: EndpointMeta = EndpointMeta {
        method: Method::POST,
        operation: "admin.workspaces.create",
        path_template: "/compute/v1/admin/workspaces",
        idempotency: Idempotency::NonIdempotent,
    };

    fn body(&self) -> Result<Option<Bytes>, BuildError> {
        json_body(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::body_text as body;

    #[test]
    fn request_shape() {
        assert_eq!(body(&CreateWorkspace::new()), "{}");
        let full =
            CreateWorkspace::new().name("r").data_retention(DataRetention::hours(48)).spending_limit(1000);
        assert_eq!(
            body(&full),
            r#"{"data_retention":{"unit":"hours","value":48},"name":"r","spending_limit":{"limit":{"amount":1000,"currency":"MILLI_USD"},"type":"lifetime"}}"#
        );
        assert_eq!(CreateWorkspace::META.idempotency, Idempotency::NonIdempotent);
    }
}
