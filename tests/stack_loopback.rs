//! The whole default stack against a real HTTP server on 127.0.0.1.

mod support;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use boltz_api::models::KeyType;
use boltz_api::{ApiErrorKind, BuildError, Client, Error, TimeoutKind};
use chrono::{TimeZone, Utc};
use http::Response;
use http_body_util::Full;
use support::{Reply, SEED, TestServer, closed_port, json};

const KEY: &str = "sk_bc_admin_live_loopback_secret_0001";

fn client(base: &str) -> Client {
    Client::builder().api_key(KEY).base_url(base).build().unwrap()
}

#[tokio::test]
async fn revoke_sends_the_documented_request_and_decodes_every_field() {
    let server = TestServer::start(|_, _| json(200, SEED)).await;
    let key = client(&server.url()).admin().api_keys().revoke("key_123").await.unwrap();

    let at = Utc.with_ymd_and_hms(2019, 12, 27, 18, 11, 19).unwrap() + chrono::Duration::milliseconds(117);
    assert_eq!(key.id, "id");
    assert_eq!(key.allowed_ips, ["string"]);
    assert_eq!((key.created_at, key.expires_at, key.last_used_at), (at, Some(at), Some(at)));
    assert!(key.is_active && key.livemode);
    assert_eq!(key.key_prefix, "key_prefix");
    assert_eq!(key.key_type, KeyType::Admin);
    assert_eq!(key.name, "name");
    assert_eq!(key.workspace_id.as_deref(), Some("workspace_id"));

    let [req] = server.requests().try_into().unwrap();
    assert_eq!(req.method, http::Method::POST);
    assert_eq!(req.uri, "/compute/v1/admin/api-keys/key_123/revoke");
    assert_eq!(req.headers["x-api-key"], KEY);
    assert_eq!(req.headers["accept"], "application/json");
    assert!(req.headers["user-agent"].to_str().unwrap().starts_with("boltz-api-rust/"));
    assert_eq!(req.headers["x-stainless-retry-count"], "0");
    assert!(req.headers.get("content-type").is_none());
    assert!(req.body.is_empty());
}

#[tokio::test]
async fn the_base_url_prefix_is_kept_and_ids_are_one_encoded_segment() {
    let server = TestServer::start(|_, _| json(200, SEED)).await;
    let client = client(&format!("{}/proxy/", server.url()));
    client.admin().api_keys().revoke("a/b c?d%").await.unwrap();
    assert_eq!(server.requests()[0].uri, "/proxy/compute/v1/admin/api-keys/a%2Fb%20c%3Fd%25/revoke");
}

#[tokio::test]
async fn bad_ids_and_headers_fail_before_any_io() {
    let server = TestServer::start(|_, _| json(200, SEED)).await;
    let client = client(&server.url());
    for id in ["", ".", ".."] {
        let err = client.admin().api_keys().revoke(id).await.unwrap_err();
        assert!(matches!(err, Error::Build(_)), "{id:?}: {err:?}");
    }
    let err = client.admin().api_keys().revoke("k").header("x-note", "a\r\nx-injected: 1").await.unwrap_err();
    assert!(matches!(err, Error::Build(BuildError::InvalidHeader { .. })), "{err:?}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn statuses_map_to_error_kinds_with_the_server_message() {
    let cases = [
        (400, ApiErrorKind::BadRequest),
        (401, ApiErrorKind::Authentication),
        (403, ApiErrorKind::PermissionDenied),
        (404, ApiErrorKind::NotFound),
        (409, ApiErrorKind::Conflict),
        (422, ApiErrorKind::UnprocessableEntity),
        (429, ApiErrorKind::RateLimited),
        (500, ApiErrorKind::InternalServer),
        (418, ApiErrorKind::Other),
    ];
    for (status, kind) in cases {
        let server = TestServer::start(move |_, _| {
            json(status, &format!(r#"{{"error":{{"type":"t","message":"says {status}"}}}}"#))
        })
        .await;
        let client = Client::builder().api_key(KEY).base_url(server.url()).max_retries(0).build().unwrap();
        let err = client.admin().api_keys().revoke("k").await.unwrap_err();
        let api = err.as_api().unwrap_or_else(|| panic!("{err:?}"));
        assert_eq!(api.kind(), kind);
        assert_eq!(api.status().as_u16(), status);
        assert_eq!(api.message(), format!("says {status}"));
        assert_eq!(api.headers()["content-type"], "application/json");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
    }
}

#[tokio::test]
async fn a_malformed_body_is_a_decode_error_with_an_excerpt() {
    let server = TestServer::start(|_, _| json(200, r#"{"id": "k", "allowed_ips": "nope"}"#)).await;
    let err = client(&server.url()).admin().api_keys().revoke("k").await.unwrap_err();
    let Error::Decode(decode) = &err else { panic!("{err:?}") };
    assert_eq!(decode.path(), "allowed_ips");
    assert!(decode.excerpt().contains("nope"));
    assert!(err.may_have_been_processed());
}

#[tokio::test]
async fn a_retry_after_hint_is_honoured_end_to_end() {
    let server = TestServer::start(|_, index| {
        if index == 0 {
            let mut reply = json(429, r#"{"message":"slow down"}"#);
            reply.response.headers_mut().insert("retry-after-ms", "20".parse().unwrap());
            reply
        } else {
            json(200, SEED)
        }
    })
    .await;
    client(&server.url()).admin().api_keys().revoke("k").await.unwrap();
    let counts: Vec<_> =
        server.requests().iter().map(|r| r.headers["x-stainless-retry-count"].clone()).collect();
    assert_eq!(counts, ["0", "1"]);
}

#[tokio::test]
async fn no_retry_and_extra_headers_per_call() {
    let server = TestServer::start(|_, _| json(503, "{}")).await;
    let err = client(&server.url())
        .admin()
        .api_keys()
        .revoke("k")
        .no_retry()
        .header("x-trace", "t-1")
        .await
        .unwrap_err();
    assert_eq!(err.as_api().unwrap().kind(), ApiErrorKind::InternalServer);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].headers["x-trace"], "t-1");
}

#[tokio::test]
async fn connect_failures_and_timeouts_are_typed() {
    let closed = closed_port().await;
    let client =
        Client::builder().api_key(KEY).base_url(format!("http://{closed}")).max_retries(0).build().unwrap();
    let err = client.admin().api_keys().revoke("k").await.unwrap_err();
    assert!(matches!(err, Error::Connect(_)), "{err:?}");
    assert!(!err.may_have_been_processed());

    let server = TestServer::start(|_, _| Reply { delay: Duration::from_secs(5), ..json(200, SEED) }).await;
    let client = Client::builder().api_key(KEY).base_url(server.url()).max_retries(0).build().unwrap();
    let err = client.admin().api_keys().revoke("k").timeout(Duration::from_millis(100)).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { kind: TimeoutKind::Attempt, .. }), "{err:?}");
    let err = client.admin().api_keys().revoke("k").deadline(Duration::from_millis(100)).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { kind: TimeoutKind::Deadline, .. }), "{err:?}");
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(4096));
    let server = TestServer::start(move |_, _| json(200, &big)).await;
    let client =
        Client::builder().api_key(KEY).base_url(server.url()).max_response_bytes(1024).build().unwrap();
    let err = client.admin().api_keys().revoke("k").await.unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { limit: 1024 }), "{err:?}");
}

#[tokio::test]
async fn redirects_keep_the_method_and_send_the_key_to_the_same_origin_only() {
    let foreign = TestServer::start(|_, _| json(200, SEED)).await;
    let foreign_url = foreign.url();
    let server = TestServer::start(move |req, _| {
        let location = if req.uri.path().starts_with("/moved") {
            return json(200, SEED);
        } else if req.uri.path().contains("foreign") {
            format!("{foreign_url}/elsewhere")
        } else {
            "/moved/here".to_owned()
        };
        Response::builder().status(307).header("location", location).body(Full::default()).unwrap().into()
    })
    .await;
    let client = client(&server.url());
    client.admin().api_keys().revoke("local").await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!((requests[1].method.as_str(), requests[1].uri.path()), ("POST", "/moved/here"));
    assert_eq!(requests[1].headers["x-api-key"], KEY);

    client.admin().api_keys().revoke("foreign").await.unwrap();
    let [hop] = foreign.requests().try_into().unwrap();
    assert_eq!(hop.method, http::Method::POST);
    assert!(hop.headers.get("x-api-key").is_none(), "the key must not follow a redirect to another origin");
}

#[tokio::test]
async fn a_redirect_across_origins_never_brings_the_key_back() {
    let api_url = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let to_api = api_url.clone();
    let foreign = TestServer::start(move |req, _| {
        let target =
            if req.uri.path() == "/start" { "/compute/v1/admin/api-keys/victim/revoke" } else { "/back" };
        let location = format!("{}{target}", to_api.get().unwrap());
        Response::builder().status(307).header("location", location).body(Full::default()).unwrap().into()
    })
    .await;
    let foreign_url = foreign.url();
    let api = TestServer::start(move |req, _| match req.uri.path() {
        "/compute/v1/admin/api-keys/bounce/revoke" => Response::builder()
            .status(307)
            .header("location", format!("{foreign_url}/bounce"))
            .body(Full::default())
            .unwrap()
            .into(),
        "/compute/v1/admin/api-keys/stay/revoke" => Response::builder()
            .status(308)
            .header("location", "/compute/v1/admin/api-keys/stayed/revoke")
            .body(Full::default())
            .unwrap()
            .into(),
        _ => json(200, SEED),
    })
    .await;
    api_url.set(api.url()).unwrap();
    let client = client(&api.url());
    let key_at = |path: &str| {
        let requests = api.requests();
        let request = requests.iter().find(|r| r.uri.path() == path).expect(path);
        request.headers.get("x-api-key").cloned()
    };

    // Foreign → API: a call addressed elsewhere is steered onto the API without the key.
    client
        .request(http::Method::POST, &format!("{}/start", foreign.url()))
        .send::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(key_at("/compute/v1/admin/api-keys/victim/revoke"), None);

    // API → foreign → API: once a hop has left, the key stays off for good.
    client.admin().api_keys().revoke("bounce").await.unwrap();
    assert_eq!(key_at("/compute/v1/admin/api-keys/bounce/revoke").unwrap(), KEY);
    assert_eq!(key_at("/back"), None);
    assert!(foreign.requests().iter().all(|r| r.headers.get("x-api-key").is_none()));

    // API → API keeps it.
    client.admin().api_keys().revoke("stay").await.unwrap();
    assert_eq!(key_at("/compute/v1/admin/api-keys/stayed/revoke").unwrap(), KEY);
}

#[tokio::test]
async fn connections_leave_from_the_configured_local_address() {
    let server = TestServer::start(|_, _| json(200, SEED)).await;
    let local = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let client = Client::builder().api_key(KEY).base_url(server.url()).local_address(local).build().unwrap();
    client.admin().api_keys().revoke("k").await.unwrap();
    assert_eq!(server.requests()[0].peer.ip(), local);
}

#[tokio::test]
async fn a_308_redirect_replays_the_body_of_a_create() {
    let server = TestServer::start(|req, _| {
        if req.uri.path().starts_with("/v2") {
            return json(200, &format!(r#"{{"key":"sk_bc_ws_test_x","key_details":{SEED}}}"#));
        }
        Response::builder().status(308).header("location", "/v2/keys").body(Full::default()).unwrap().into()
    })
    .await;
    let request = boltz_api::api::admin::api_keys::CreateApiKey::new("redirected").expires_in_days(7);
    client(&server.url()).admin().api_keys().create(request).await.unwrap();
    let [first, second] = server.requests().try_into().unwrap();
    assert_eq!((second.method.as_str(), second.uri.path()), ("POST", "/v2/keys"));
    assert_eq!(second.body, first.body);
    assert_eq!(second.body, r#"{"name":"redirected","expires_in_days":7}"#);
    assert_eq!(second.headers["content-type"], "application/json");
}

#[tokio::test]
async fn the_escape_hatch_reaches_any_path_through_the_same_stack() {
    let failed_once = std::sync::atomic::AtomicBool::new(false);
    let server = TestServer::start(move |req, _| match req.uri.path() {
        "/compute/v1/predictions/structure-and-binding" => {
            json(200, r#"{"data":[{"id":"run_1"}],"has_more":false}"#)
        }
        "/compute/v1/flaky" if !failed_once.swap(true, std::sync::atomic::Ordering::SeqCst) => {
            json(503, "{}")
        }
        "/compute/v1/down" => {
            let mut reply = json(503, "{}");
            reply.response.headers_mut().insert("retry-after-ms", "1".parse().unwrap());
            reply
        }
        _ => json(200, r#"{"ok":true}"#),
    })
    .await;
    let client = Client::builder().api_key(KEY).base_url(server.url()).build().unwrap();

    let runs: serde_json::Value = client
        .request(http::Method::GET, "/compute/v1/predictions/structure-and-binding")
        .query([("limit", "5"), ("status", "a b")])
        .send()
        .await
        .unwrap();
    assert_eq!(runs["data"][0]["id"], "run_1");
    let [req] = server.requests().try_into().unwrap();
    assert_eq!(req.uri, "/compute/v1/predictions/structure-and-binding?limit=5&status=a+b");
    assert_eq!(req.headers["x-api-key"], KEY);

    let response = client
        .request(http::Method::POST, "/compute/v1/share-links")
        .json(&serde_json::json!({"pipeline_id": "p1"}))
        .header("x-note", "hatch")
        .send_with_response::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(
        (response.status.as_u16(), response.headers["content-type"].to_str().unwrap()),
        (200, "application/json")
    );
    let posted = server.requests().pop().unwrap();
    assert_eq!(posted.body, r#"{"pipeline_id":"p1"}"#);
    assert_eq!(posted.headers["x-note"], "hatch");
    assert_eq!(posted.headers["content-type"], "application/json");

    // GET is retried after a 503; a POST is not, unless marked idempotent.
    let count = |path: &str| server.requests().iter().filter(|r| r.uri.path() == path).count();
    let flaky = client.request(http::Method::GET, "/compute/v1/flaky").send::<serde_json::Value>().await;
    assert!(flaky.is_ok() && count("/compute/v1/flaky") == 2);
    let err =
        client.request(http::Method::POST, "/compute/v1/down").send::<serde_json::Value>().await.unwrap_err();
    assert_eq!((err.status().map(|s| s.as_u16()), count("/compute/v1/down")), (Some(503), 1));
    let idempotent = client
        .request(http::Method::POST, "/compute/v1/down")
        .idempotency(boltz_api::Idempotency::Idempotent);
    assert!(idempotent.send::<serde_json::Value>().await.is_err());
    assert_eq!(count("/compute/v1/down"), 4, "one more call of three attempts");

    // An absolute URL to another origin gets no key.
    let other = TestServer::start(|_, _| json(200, "{}")).await;
    client
        .request(http::Method::GET, &format!("{}/elsewhere", other.url()))
        .send::<serde_json::Value>()
        .await
        .unwrap();
    assert!(other.requests()[0].headers.get("x-api-key").is_none());
}

#[tokio::test]
async fn any_call_can_keep_its_status_and_headers() {
    let server = TestServer::start(|_, _| {
        let mut reply = json(200, SEED);
        reply.response.headers_mut().insert("x-ratelimit-remaining", "41".parse().unwrap());
        reply
    })
    .await;
    let response = client(&server.url()).admin().api_keys().revoke("k").with_response().await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.headers["x-ratelimit-remaining"], "41");
    assert_eq!(response.value.id, "id");
}
