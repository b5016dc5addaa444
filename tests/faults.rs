//! The client under the emulator's injected faults: for revoke (idempotent) and create
//! (non-idempotent), the attempts made, the waits between them, the retry-count header, the
//! outcome and whether the request may have been processed. Real sockets, so real time: waits are
//! checked against the windows of the retry rules with a tolerance above, never below.

use std::time::Duration;

use boltz_api::api::admin::api_keys::{CreateApiKey, ListApiKeys};
use boltz_api::models::KeyType;
use boltz_api::{Client, Error, TimeoutKind};
use boltz_api_emulator::{Emulator, Fault, FaultAction, ReceivedRequest};
use futures_util::TryStreamExt;

const REVOKE: &str = "/compute/v1/admin/api-keys/*/revoke";
const CREATE: &str = "/compute/v1/admin/api-keys";
const TOLERANCE: Duration = Duration::from_millis(500);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Revoke,
    Create,
}

struct Setup {
    emulator: Emulator,
    client: Client,
    key_id: String,
}

async fn setup(configure: impl FnOnce(boltz_api::ClientBuilder) -> boltz_api::ClientBuilder) -> Setup {
    let emulator = Emulator::start().await.unwrap();
    let builder = Client::builder().api_key(emulator.admin_key()).base_url(emulator.base_url());
    let client = configure(builder).build().unwrap();
    let key_id = client.admin().api_keys().create(CreateApiKey::new("target")).await.unwrap().key_details.id;
    Setup { emulator, client, key_id }
}

/// What one call did.
struct Outcome {
    result: Result<(), Error>,
    attempts: Vec<ReceivedRequest>,
    name: String,
}

impl Outcome {
    fn counts(&self) -> Vec<&str> {
        self.attempts.iter().map(|a| a.retry_count.as_deref().unwrap_or("-")).collect()
    }

    fn gaps(&self) -> Vec<Duration> {
        self.attempts.windows(2).map(|w| w[1].at - w[0].at).collect()
    }

    fn err(&self) -> &Error {
        self.result.as_ref().expect_err("the call should fail")
    }

    fn status(&self) -> Option<u16> {
        self.err().status().map(|s| s.as_u16())
    }
}

fn within(gap: Duration, low_ms: u64, high_ms: u64) -> bool {
    gap >= Duration::from_millis(low_ms) && gap <= Duration::from_millis(high_ms) + TOLERANCE
}

impl Setup {
    fn fault(&self, op: Op, action: FaultAction, times: u32) {
        let path = match op {
            Op::Revoke => REVOKE,
            Op::Create => CREATE,
        };
        self.emulator.inject(Fault::new("POST", path, action).times(times));
    }

    async fn call(&self, op: Op) -> Outcome {
        static NAMES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let name = format!("call-{}", NAMES.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let mark = self.emulator.received().len();
        let result = match op {
            Op::Revoke => self.client.admin().api_keys().revoke(&self.key_id).await.map(drop),
            Op::Create => self.client.admin().api_keys().create(CreateApiKey::new(&name)).await.map(drop),
        };
        let path = match op {
            Op::Revoke => format!("/compute/v1/admin/api-keys/{}/revoke", self.key_id),
            Op::Create => CREATE.to_owned(),
        };
        let attempts = self
            .emulator
            .received()
            .into_iter()
            .skip(mark)
            .filter(|r| r.method == "POST" && r.path == path)
            .collect();
        Outcome { result, attempts, name }
    }

    /// How many keys carry `name` (a create replayed after processing would make two).
    async fn keys_named(&self, name: &str) -> usize {
        let keys: Vec<_> = self
            .client
            .admin()
            .api_keys()
            .list(ListApiKeys::new().limit(100))
            .stream()
            .try_collect()
            .await
            .unwrap();
        keys.iter().filter(|k| k.name == name).count()
    }
}

#[tokio::test]
async fn server_delays_and_their_fallbacks_on_revoke_and_create() {
    let setup = setup(|b| b).await;
    // `DATE` stands for an HTTP-date two seconds after the fault is queued.
    let cases = [
        ("retry-after-ms", "200", 200, 200),
        ("retry-after", "1", 1000, 1000),
        ("retry-after", "0.3", 300, 300),
        ("retry-after", "DATE", 900, 2000),
        ("retry-after", "0", 375, 500),
        ("retry-after", "120", 375, 500),
        ("retry-after", "garbage", 375, 500),
    ];
    for op in [Op::Revoke, Op::Create] {
        for (header, value, low, high) in &cases {
            let value = match *value {
                "DATE" => httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2)),
                other => other.to_owned(),
            };
            let value = &value;
            setup.fault(op, FaultAction::status(429).header(header, value), 1);
            let outcome = setup.call(op).await;
            assert!(outcome.result.is_ok(), "{op:?} {header}: {value}: {:?}", outcome.result);
            assert_eq!(outcome.counts(), ["0", "1"], "{op:?} {header}: {value}");
            assert!(
                within(outcome.gaps()[0], *low, *high),
                "{op:?} {header}: {value}: waited {:?}",
                outcome.gaps()
            );
            if op == Op::Create {
                assert_eq!(setup.keys_named(&outcome.name).await, 1, "a 429'd create is not duplicated");
            }
        }
    }
}

#[tokio::test]
async fn status_faults_on_revoke() {
    let setup = setup(|b| b).await;
    setup.fault(Op::Revoke, FaultAction::status(503), 3);
    let outcome = setup.call(Op::Revoke).await;
    assert_eq!((outcome.status(), outcome.counts()), (Some(503), vec!["0", "1", "2"]));
    let gaps = outcome.gaps();
    assert!(within(gaps[0], 375, 500) && within(gaps[1], 750, 1000), "{gaps:?}");
    assert!(outcome.err().may_have_been_processed());

    setup.fault(Op::Revoke, FaultAction::status(500).header("x-should-retry", "false"), 1);
    let outcome = setup.call(Op::Revoke).await;
    assert_eq!((outcome.status(), outcome.counts()), (Some(500), vec!["0"]));

    for (status, header) in [(400, Some("true")), (408, None), (409, None)] {
        let mut action = FaultAction::status(status);
        if let Some(value) = header {
            action = action.header("x-should-retry", value);
        }
        setup.fault(Op::Revoke, action, 1);
        let outcome = setup.call(Op::Revoke).await;
        assert!(outcome.result.is_ok(), "{status}: {:?}", outcome.result);
        assert_eq!(outcome.counts(), ["0", "1"], "{status}");
    }
}

#[tokio::test]
async fn status_faults_on_create() {
    let setup = setup(|b| b).await;
    setup.fault(Op::Create, FaultAction::status(503), 1);
    let outcome = setup.call(Op::Create).await;
    assert_eq!(
        (outcome.status(), outcome.counts()),
        (Some(503), vec!["0"]),
        "a 503'd create is not replayed"
    );
    assert!(outcome.err().may_have_been_processed());

    setup.fault(Op::Create, FaultAction::status(500).header("x-should-retry", "false"), 1);
    assert_eq!(setup.call(Op::Create).await.counts(), ["0"]);

    setup.fault(Op::Create, FaultAction::status(400).header("x-should-retry", "true"), 1);
    let outcome = setup.call(Op::Create).await;
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    assert_eq!(outcome.counts(), ["0", "1"], "the server's explicit hint wins");
    assert_eq!(setup.keys_named(&outcome.name).await, 1);

    for status in [408, 409] {
        setup.fault(Op::Create, FaultAction::status(status), 1);
        let outcome = setup.call(Op::Create).await;
        assert_eq!((outcome.status(), outcome.counts()), (Some(status), vec!["0"]));
        assert!(!outcome.err().may_have_been_processed(), "a 4xx was refused, not processed");
    }
}

#[tokio::test]
async fn broken_connections() {
    let setup = setup(|b| b).await;
    for action in [FaultAction::Close, FaultAction::Reset, FaultAction::TruncatedBody] {
        setup.fault(Op::Revoke, action.clone(), 1);
        let outcome = setup.call(Op::Revoke).await;
        assert!(outcome.result.is_ok(), "{action:?}: {:?}", outcome.result);
        if action == FaultAction::TruncatedBody {
            assert_eq!(
                outcome.counts(),
                ["0", "1"],
                "{action:?}: the response had started, so it is a retry"
            );
        } else {
            // Closed or reset on a pooled connection before any byte of the response: to the
            // client that is a stale connection, sent again at once and not counted as a retry.
            assert_eq!(outcome.counts(), ["0", "0"], "{action:?}");
            assert!(outcome.gaps()[0] < Duration::from_millis(100), "{action:?}: {:?}", outcome.gaps());
        }

        setup.fault(Op::Create, action.clone(), 1);
        let outcome = setup.call(Op::Create).await;
        assert!(matches!(outcome.err(), Error::Transport(_)), "{action:?}: {:?}", outcome.result);
        assert_eq!(outcome.counts(), ["0"], "{action:?}: a create is not replayed once sent");
        assert!(outcome.err().may_have_been_processed());
        let created = usize::from(action == FaultAction::TruncatedBody);
        assert_eq!(setup.keys_named(&outcome.name).await, created, "{action:?}");
    }
}

#[tokio::test]
async fn attempt_timeouts_on_headers_and_bodies() {
    let setup = setup(|b| b.timeout(Duration::from_millis(300))).await;
    for action in [FaultAction::Delay { ms: 1_000 }, FaultAction::StallBody] {
        setup.fault(Op::Revoke, action.clone(), 1);
        let outcome = setup.call(Op::Revoke).await;
        assert!(outcome.result.is_ok(), "{action:?}: {:?}", outcome.result);
        assert_eq!(outcome.counts(), ["0", "1"]);
        assert!(within(outcome.gaps()[0], 300, 300 + 500), "{action:?}: {:?}", outcome.gaps());

        setup.fault(Op::Create, action.clone(), 1);
        let outcome = setup.call(Op::Create).await;
        assert!(
            matches!(outcome.err(), Error::Timeout { kind: TimeoutKind::Attempt, .. }),
            "{:?}",
            outcome.result
        );
        assert_eq!(outcome.counts(), ["0"]);
        assert!(outcome.err().may_have_been_processed());
    }
}

#[tokio::test]
async fn a_deadline_shorter_than_the_backoff_ends_the_call() {
    let setup = setup(|b| b.deadline(Duration::from_millis(300))).await;
    setup.fault(Op::Revoke, FaultAction::status(503), 3);
    let start = std::time::Instant::now();
    let outcome = setup.call(Op::Revoke).await;
    assert_eq!((outcome.status(), outcome.counts()), (Some(503), vec!["0"]));
    assert!(
        start.elapsed() < Duration::from_millis(300),
        "the wait that would pass the deadline is not made"
    );
}

#[tokio::test]
async fn bodies_that_do_not_fit_the_model() {
    let setup = setup(|b| b.max_response_bytes(1024)).await;
    let key = r#"{"id":"k","allowed_ips":[],"created_at":"2026-01-01T00:00:00Z","expires_at":null,"is_active":false,"key_prefix":"p","key_type":"superadmin","last_used_at":null,"livemode":false,"name":"n","workspace_id":null}"#;
    let body = |text: &str| FaultAction::Status {
        status: 200,
        headers: Default::default(),
        body: Some(text.to_owned()),
    };

    for op in [Op::Revoke, Op::Create] {
        setup.fault(op, FaultAction::MalformedJson, 1);
        let outcome = setup.call(op).await;
        assert!(matches!(outcome.err(), Error::Decode(_)), "{op:?}: {:?}", outcome.result);
        assert_eq!(outcome.counts(), ["0"], "{op:?}: a 2xx is never retried");
        assert!(outcome.err().may_have_been_processed());

        let missing = match op {
            Op::Revoke => r#"{"id":"k","allowed_ips":[]}"#,
            Op::Create => r#"{"key":"sk_bc_ws_test_x"}"#,
        };
        setup.fault(op, body(missing), 1);
        let outcome = setup.call(op).await;
        let Error::Decode(decode) = outcome.err() else { panic!("{:?}", outcome.result) };
        let field = if op == Op::Revoke { "created_at" } else { "key_details" };
        assert!(decode.message().contains(&format!("missing field `{field}`")), "{}", decode.message());

        setup.fault(op, body(&format!(r#"{{"pad":"{}"}}"#, "x".repeat(4096))), 1);
        let outcome = setup.call(op).await;
        assert!(matches!(outcome.err(), Error::ResponseTooLarge { limit: 1024 }), "{:?}", outcome.result);
        assert_eq!(outcome.counts(), ["0"], "{op:?}: an oversized body is not retried");
    }

    setup.fault(Op::Revoke, body(key), 1);
    let revoked = setup.client.admin().api_keys().revoke(&setup.key_id).await.unwrap();
    assert_eq!(revoked.key_type, KeyType::Unknown("superadmin".into()));

    setup.fault(Op::Revoke, body(key).header("content-type", "text/html"), 1);
    assert!(
        setup.client.admin().api_keys().revoke(&setup.key_id).await.is_ok(),
        "JSON is decoded whatever the label"
    );

    let created =
        format!(r#"{{"key":"sk_bc_ws_test_x","key_details":{}}}"#, key.replace("superadmin", "workspace"));
    setup.fault(Op::Create, body(&created).header("content-type", "text/html"), 1);
    let created = setup.client.admin().api_keys().create(CreateApiKey::new("html")).await.unwrap();
    assert_eq!(created.key.expose_secret(), "sk_bc_ws_test_x");
}

/// After the retries ran out, the error still says how long the server asked to wait, in any of
/// its forms, and nothing when it did not say.
#[tokio::test]
async fn the_last_retry_after_is_on_the_error() {
    let setup = setup(|b| b.max_retries(0)).await;
    for (status, header, value, expected) in [
        (429, "retry-after", "7", Some(Duration::from_secs(7))),
        (503, "retry-after-ms", "1500", Some(Duration::from_millis(1500))),
        // Past the 60 s the retry layer waits for, the caller still hears it.
        (429, "retry-after", "120", Some(Duration::from_secs(120))),
        (503, "retry-after", "soon", None),
    ] {
        setup.fault(Op::Revoke, FaultAction::status(status).header(header, value), 1);
        let outcome = setup.call(Op::Revoke).await;
        assert_eq!(outcome.status(), Some(status));
        assert_eq!(outcome.err().retry_after(), expected, "{header}: {value}");
    }
    setup.fault(Op::Revoke, FaultAction::status(503), 1);
    assert_eq!(setup.call(Op::Revoke).await.err().retry_after(), None);
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
    setup.fault(Op::Revoke, FaultAction::status(429).header("retry-after", &date), 1);
    let hint = setup.call(Op::Revoke).await.err().retry_after().unwrap();
    assert!(hint > Duration::from_secs(27) && hint <= Duration::from_secs(30), "{hint:?}");
}
