use http::Method;
use serde::{Deserialize, Serialize};

use crate::endpoint::{Endpoint, EndpointMeta, Idempotency};
use crate::models::AuthMe;

/// `GET /compute/v1/auth/me`: the calling credential's organisation context.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetAuthMe;

impl Endpoint for GetAuthMe {
    type Response = AuthMe;

    const META: EndpointMeta = EndpointMeta {
        method: Method::GET,
        operation: "auth.me",
        path_template: "/compute/v1/auth/me",
        idempotency: Idempotency::Safe,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_shape() {
        assert_eq!(GetAuthMe.path().unwrap(), "/compute/v1/auth/me");
        assert_eq!(
            (GetAuthMe::META.method, GetAuthMe.query(), GetAuthMe.body().unwrap()),
            (Method::GET, None, None)
        );
    }
}
