use http::Method;

use crate::endpoint::{Endpoint, EndpointMeta, Idempotency};
use crate::error::BuildError;
use crate::models::ApiKey;
use crate::pagination::{CursorPage, CursorPaged};

/// `GET /compute/v1/admin/api-keys`: list API keys, one [`CursorPage`] at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListApiKeys {
    after_id: Option<String>,
    before_id: Option<String>,
    limit: Option<u32>,
    workspace_id: Option<String>,
}

impl ListApiKeys {
    /// The first page of every workspace's keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Start after this key ID.
    pub fn after_id(mut self, id: impl Into<String>) -> Self {
        self.after_id = Some(id.into());
        self
    }

    /// Start before this key ID and page backwards.
    pub fn before_id(mut self, id: impl Into<String>) -> Self {
        self.before_id = Some(id.into());
        self
    }

    /// At most this many keys per page.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only keys of this workspace.
    pub fn workspace_id(mut self, workspace_id: impl Into<String>) -> Self {
        self.workspace_id = Some(workspace_id.into());
        self
    }
}

impl Endpoint for ListApiKeys {
    type Response = CursorPage<ApiKey>;

    const META: EndpointMeta = EndpointMeta {
        method: Method::GET,
        operation: "admin.api_keys.list",
        path_template: "/compute/v1/admin/api-keys",
        idempotency: Idempotency::Safe,
    };

    fn path(&self) -> Result<String, BuildError> {
        Ok(Self::META.path_template.to_owned())
    }

    fn query(&self) -> Option<String> {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let limit = self.limit.map(|l| l.to_string());
        for (name, value) in [
            ("after_id", self.after_id.as_deref()),
            ("before_id", self.before_id.as_deref()),
            ("limit", limit.as_deref()),
            ("workspace_id", self.workspace_id.as_deref()),
        ] {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        Some(query.finish())
    }
}

impl CursorPaged for ListApiKeys {
    type Item = ApiKey;

    fn is_backward(&self) -> bool {
        self.before_id.is_some()
    }

    fn at_cursor(&self, cursor: &str) -> Self {
        let mut next = self.clone();
        if self.is_backward() {
            next.before_id = Some(cursor.to_owned());
        } else {
            next.after_id = Some(cursor.to_owned());
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_shape() {
        assert_eq!(ListApiKeys::new().query().as_deref(), Some(""));
        let list = ListApiKeys::new().limit(2).workspace_id("ws 1/2");
        assert_eq!(list.query().unwrap(), "limit=2&workspace_id=ws+1%2F2");
        assert_eq!(ListApiKeys::META.method, Method::GET);
    }

    #[test]
    fn cursors_keep_every_other_parameter() {
        let forward = ListApiKeys::new().limit(2).workspace_id("w").at_cursor("key_b");
        assert_eq!(forward.query().unwrap(), "after_id=key_b&limit=2&workspace_id=w");
        let backward = ListApiKeys::new().before_id("key_z").limit(2);
        assert!(backward.is_backward());
        assert_eq!(backward.at_cursor("key_q").query().unwrap(), "before_id=key_q&limit=2");
    }
}
