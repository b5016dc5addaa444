use http::Method;
use serde::{Deserialize, Serialize};

use crate::endpoint::{Endpoint, EndpointMeta, Idempotency};
use crate::models::CliVersion;

/// `GET /compute/v1/cli/version`: the CLI's latest and minimum supported releases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetCliVersion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    current: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    platform: Option<String>,
}

impl GetCliVersion {
    /// A check with no installed version or platform given.
    pub fn new() -> Self {
        Self::default()
    }

    /// The installed version, e.g. `1.2.3`.
    pub fn current(mut self, version: impl Into<String>) -> Self {
        self.current = Some(version.into());
        self
    }

    /// The platform, e.g. `linux-x64`.
    pub fn platform(mut self, platform: impl Into<String>) -> Self {
        self.platform = Some(platform.into());
        self
    }
}

impl Endpoint for GetCliVersion {
    type Response = CliVersion;

    const META: EndpointMeta = EndpointMeta {
        method: Method::GET,
        operation: "cli.version",
        path_template: "/compute/v1/cli/version",
        idempotency: Idempotency::Safe,
    };

    fn query(&self) -> Option<String> {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(current) = &self.current {
            query.append_pair("current", current);
        }
        if let Some(platform) = &self.platform {
            query.append_pair("platform", platform);
        }
        Some(query.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_shape_and_decode() {
        let check = GetCliVersion::new().current("1.2.3").platform("linux-x64");
        assert_eq!(check.query().unwrap(), "current=1.2.3&platform=linux-x64");
        let version: CliVersion = serde_json::from_str(
            r#"{"install":{"macos_linux":"sh","windows":"ps"},"latest":"2.0.0","message":null,
                "minimum_supported":"1.0.0","update_available":true,"update_required":false}"#,
        )
        .unwrap();
        assert!(version.update_available && !version.update_required && version.message.is_none());
    }
}
