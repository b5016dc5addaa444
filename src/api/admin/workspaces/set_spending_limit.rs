use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};

use super::workspace_path;
use crate::endpoint::{Endpoint, EndpointMeta, Idempotency, json_body};
use crate::error::BuildError;
use crate::models::{LifetimeLimit, SpendingLimit};

/// `PUT /compute/v1/admin/workspaces/{workspace_id}/spending-limit`: create or replace the
/// workspace's lifetime ceiling. Idempotent: it sets an absolute value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetSpendingLimit {
    workspace_id: String,
    /// The body: `{"limit": {"amount", "currency"}, "type"}`, beside the workspace ID.
    #[serde(flatten)]
    limit: LifetimeLimit,
}

impl SetSpendingLimit {
    /// A ceiling of `amount` milli-USD ([`Money::UNLIMITED`](crate::models::Money::UNLIMITED)
    /// tracks usage without blocking it).
    pub fn new(workspace_id: impl Into<String>, amount: i64) -> Self {
        Self { workspace_id: workspace_id.into(), limit: LifetimeLimit::milli_usd(amount) }
    }
}

impl Endpoint for SetSpendingLimit {
    type Response = Option<SpendingLimit>;

    const META: EndpointMeta = EndpointMeta {
        method: Method::PUT,
        operation: "admin.workspaces.set_spending_limit",
        path_template: "/compute/v1/admin/workspaces/{workspace_id}/spending-limit",
        idempotency: Idempotency::Idempotent,
    };

    fn path(&self) -> Result<String, BuildError> {
        workspace_path(&self.workspace_id, "/spending-limit")
    }

    fn body(&self) -> Result<Option<Bytes>, BuildError> {
        json_body(&self.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_shape_fills_in_the_constants() {
        let set = SetSpendingLimit::new("ws_1", 9_007_199_254_740_991);
        assert_eq!(set.path().unwrap(), "/compute/v1/admin/workspaces/ws_1/spending-limit");
        assert_eq!(SetSpendingLimit::META.method, Method::PUT);
        let body = crate::endpoint::body_text(&set);
        assert_eq!(body, r#"{"limit":{"amount":9007199254740991,"currency":"MILLI_USD"},"type":"lifetime"}"#);
    }
}
