//! A server that echoes the key back: in a 401 message, in a 400 or 500 that dumps the request's
//! headers, in a 200 body that fails to decode, and in a response header. The key (whole, or its
//! last 8 characters) appears in no error's `Display`, `Debug`, `{:#?}` or source chain, and in no
//! TRACE log line; its label shows where it was.

mod support;

use boltz_api::{Client, Error};
use support::{Capture, Recorded, Reply, TestServer, json};

const KEY: &str = "sk_bc_admin_live_REFLECTED_9f8e7d6c5b4a";

/// The request's headers as a proxy would dump them.
fn dump(req: &Recorded) -> String {
    req.headers
        .iter()
        .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn with_echo_header(mut reply: Reply, req: &Recorded) -> Reply {
    let key = req.headers["x-api-key"].clone();
    reply.response.headers_mut().insert("x-echo-api-key", key);
    reply
}

fn texts_of(err: &Error) -> Vec<String> {
    let mut texts = vec![format!("{err}"), format!("{err:?}"), format!("{err:#?}")];
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        texts.push(format!("{inner} {inner:?} {inner:#?}"));
        source = inner.source();
    }
    if let Some(api) = err.as_api() {
        texts.push(api.message().to_owned());
        texts.push(String::from_utf8_lossy(api.body()).into_owned());
        texts.extend(api.headers().values().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()));
    }
    if let Error::Decode(decode) = err {
        texts.extend([decode.excerpt(), decode.message(), decode.path()].map(str::to_owned));
    }
    texts
}

#[tokio::test]
async fn a_key_reflected_by_the_server_is_scrubbed_from_every_error() {
    let capture = Capture::default();
    let _guard = capture.install();
    let server = TestServer::start(|req, _| {
        let key = req.headers["x-api-key"].to_str().unwrap().to_owned();
        match req.uri.path() {
            p if p.contains("/unauthorized/") => {
                json(401, &format!(r#"{{"error":{{"message":"Invalid API key provided: {key}"}}}}"#))
            }
            p if p.contains("/bad/") => {
                json(400, &format!(r#"{{"message":"bad request; headers: {}"}}"#, dump(req)))
            }
            p if p.contains("/crash/") => {
                let mut reply = json(500, &format!("Traceback: request headers {}\n{key}", dump(req)));
                reply.response.headers_mut().insert("content-type", "text/plain".parse().unwrap());
                reply
            }
            p if p.contains("/garbled/") => with_echo_header(
                json(
                    200,
                    &format!(r#"{{"id":"{key}","allowed_ips":[],"created_at":"{key}","is_active":"{key}"}}"#),
                ),
                req,
            ),
            p if p.contains("/wrongtype/") => json(200, &format!(r#"{{"id":"k","is_active":"{key}"}}"#)),
            _ => with_echo_header(json(403, r#"{"error":{"message":"forbidden"}}"#), req),
        }
    })
    .await;
    let client = Client::builder().api_key(KEY).base_url(server.url()).max_retries(0).build().unwrap();

    let mut texts = Vec::new();
    for id in ["unauthorized", "bad", "crash", "garbled", "wrongtype", "header"] {
        let err = client.admin().api_keys().revoke(id).await.unwrap_err();
        assert!(err.as_api().is_some() || matches!(err, Error::Decode(_)), "{id}: {err:?}");
        texts.extend(texts_of(&err));
    }
    texts.push(capture.text());

    let tail = &KEY[KEY.len() - 8..];
    for text in &texts {
        assert!(!text.contains(KEY) && !text.contains(tail), "the key leaked: {text}");
    }
    let all = texts.join("\n");
    assert!(all.contains("Invalid API key provided: sk_bc_admin_[redacted]"), "{all}");
    assert!(all.contains("x-api-key: sk_bc_admin_[redacted]"), "the dump is kept, scrubbed");
    assert!(
        all.contains(r#"invalid type: string "sk_bc_admin_[redacted]""#),
        "the decoder's message is kept"
    );
    // The server really did send the key back, so the checks above could fail.
    assert_eq!(server.requests().len(), 6);
}

#[tokio::test]
async fn without_a_reflection_nothing_is_changed() {
    let server =
        TestServer::start(|_, _| json(404, r#"{"error":{"message":"no key sk_bc_admin_other"}}"#)).await;
    let client = Client::builder().api_key(KEY).base_url(server.url()).build().unwrap();
    let err = client.admin().api_keys().revoke("x").await.unwrap_err();
    assert_eq!(err.as_api().unwrap().message(), "no key sk_bc_admin_other");
}
