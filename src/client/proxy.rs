//! Proxies for the default transport, with hyper-util's matcher and connectors: by default the
//! `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` variables (upper or lower case, as
//! curl reads them). Every destination, `http` ones included, goes through an HTTP `CONNECT`
//! tunnel (or SOCKS for a `socks5://`, `socks5h://`, `socks4://` or `socks4a://` proxy): the
//! proxy never sees a request, so never the API key.
//! Like Go's `ProxyFromEnvironment`, the environment's proxies never apply to loopback
//! destinations (`localhost`, 127.0.0.0/8, `[::1]`): a local emulator or sidecar is reached
//! directly. An explicit [`ClientBuilder::proxy`](crate::ClientBuilder::proxy) applies to all.

use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use http::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::{SocksV4, SocksV5, Tunnel};
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower::Service;

use boltz_api_layers::BoxError;

use super::builder::is_loopback;
use crate::error::BuildError;

/// Where the client's proxy settings come from.
#[derive(Clone, Default)]
pub(crate) enum ProxyChoice {
    /// The environment's variables, read when the client is built.
    #[default]
    Env,
    /// Every destination through this proxy URL.
    Url(String),
    /// No proxy, whatever the environment says.
    Off,
}

impl ProxyChoice {
    /// The proxies for this choice; `None` when nothing is proxied. `var` reads a variable.
    pub(crate) fn proxies(
        &self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Proxies>, BuildError> {
        let first = |names: [&str; 2]| names.into_iter().find_map(&var).unwrap_or_default();
        let (builder, skip_loopback) = match self {
            Self::Off => return Ok(None),
            Self::Url(url) => (Matcher::builder().all(url.clone()), false),
            // A CGI script's HTTP_PROXY may come from the request's `Proxy:` header (httpoxy), so
            // a CGI process reads none of them, as curl and hyper-util do.
            Self::Env if var("REQUEST_METHOD").is_some() => return Ok(None),
            Self::Env => (
                Matcher::builder()
                    .all(first(["ALL_PROXY", "all_proxy"]))
                    .http(first(["HTTP_PROXY", "http_proxy"]))
                    .https(first(["HTTPS_PROXY", "https_proxy"]))
                    .no(first(["NO_PROXY", "no_proxy"])),
                true,
            ),
        };
        let proxies = Proxies { matcher: builder.build(), skip_loopback };
        let mut used = ["http://example.com/", "https://example.com/"]
            .iter()
            .filter_map(|uri| proxies.intercept(&Uri::from_static(uri)))
            .peekable();
        if used.peek().is_none() {
            return match self {
                Self::Url(_) => Err(BuildError::InvalidProxy { reason: "not a proxy URL" }),
                _ => Ok(None),
            };
        }
        for proxy in used {
            match proxy.uri().scheme_str() {
                Some("http" | "socks5" | "socks5h" | "socks4" | "socks4a") => {}
                // hyper-util's tunnel speaks plain TCP to the proxy; refusing beats sending the
                // CONNECT (and its credentials) in clear text to a proxy that expects TLS.
                Some("https") => {
                    return Err(BuildError::InvalidProxy {
                        reason: "TLS to the proxy (https://) is not supported; use an http:// or socks5:// proxy",
                    });
                }
                _ => {
                    return Err(BuildError::InvalidProxy {
                        reason: "the scheme must be http, socks5 or socks4",
                    });
                }
            }
        }
        Ok(Some(proxies))
    }
}

/// The URL may carry credentials, so only its choice is shown.
impl std::fmt::Debug for ProxyChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Env => "Env",
            Self::Url(_) => "Url(<hidden>)",
            Self::Off => "Off",
        })
    }
}

/// Which proxy, if any, a destination goes through.
pub(crate) struct Proxies {
    matcher: Matcher,
    skip_loopback: bool,
}

impl Proxies {
    pub(crate) fn intercept(&self, dst: &Uri) -> Option<Intercept> {
        if self.skip_loopback && dst.host().is_some_and(is_local) {
            return None;
        }
        self.matcher.intercept(dst)
    }
}

/// Loopback, or a `*.localhost` name (RFC 6761), which Go's proxy bypass treats as local too.
/// Only for skipping a proxy: plain `http` with the key is allowed to loopback alone.
fn is_local(host: &str) -> bool {
    is_loopback(host) || host.to_ascii_lowercase().ends_with(".localhost")
}

/// Connects to the destination directly, or through the proxy the matcher picks for it.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    direct: HttpConnector,
    proxies: Option<Arc<Proxies>>,
}

impl ProxyConnector {
    pub(crate) fn new(direct: HttpConnector, proxies: Option<Arc<Proxies>>) -> Self {
        Self { direct, proxies }
    }
}

impl Service<Uri> for ProxyConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<TokioIo<TcpStream>, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.direct.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let intercept = self.proxies.as_ref().and_then(|p| p.intercept(&dst));
        let direct = self.direct.clone();
        Box::pin(connect(direct, intercept, dst))
    }
}

async fn connect(
    mut direct: HttpConnector,
    intercept: Option<Intercept>,
    dst: Uri,
) -> Result<TokioIo<TcpStream>, BoxError> {
    let Some(proxy) = intercept else { return Ok(direct.call(dst).await?) };
    let proxy_uri = proxy.uri().clone();
    let auth = proxy.raw_auth().map(|(user, pass)| (user.to_owned(), pass.to_owned()));
    let scheme = proxy_uri.scheme_str().unwrap_or_default().to_owned();
    Ok(match scheme.as_str() {
        "socks5" | "socks5h" => {
            let mut socks = SocksV5::new(proxy_uri, direct).local_dns(scheme == "socks5");
            if let Some((user, pass)) = auth {
                socks = socks.with_auth(user, pass);
            }
            socks.call(dst).await?
        }
        "socks4" | "socks4a" => {
            SocksV4::new(proxy_uri, direct).local_dns(scheme == "socks4").call(dst).await?
        }
        // Plain `http` is tunnelled too (rather than sent to the proxy in absolute form), so
        // the proxy never sees the key.
        _ => {
            let mut tunnel = Tunnel::new(proxy_uri, direct);
            if let Some(basic) = proxy.basic_auth() {
                tunnel = tunnel.with_auth(basic.clone());
            }
            tunnel.call(dst).await?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    fn proxy_for(proxies: &Option<Proxies>, uri: &'static str) -> Option<String> {
        proxies.as_ref()?.intercept(&Uri::from_static(uri)).map(|i| i.uri().to_string())
    }

    #[test]
    fn the_environment_is_read_as_curl_reads_it() {
        let vars = [
            ("HTTPS_PROXY", "http://secure.proxy:3128"),
            ("http_proxy", "http://plain.proxy:8080"),
            ("NO_PROXY", "internal.example, 10.0.0.0/8"),
        ];
        let matcher = ProxyChoice::Env.proxies(env(&vars)).unwrap();
        assert_eq!(
            proxy_for(&matcher, "https://api.boltz.bio/x").as_deref(),
            Some("http://secure.proxy:3128/")
        );
        assert_eq!(
            proxy_for(&matcher, "http://api.boltz.bio/x").as_deref(),
            Some("http://plain.proxy:8080/")
        );
        assert_eq!(proxy_for(&matcher, "https://svc.internal.example/"), None);
        assert_eq!(proxy_for(&matcher, "https://10.1.2.3/"), None);
        for local in [
            "http://127.0.0.1:8080/",
            "http://127.9.9.9/",
            "http://[::1]:1/",
            "http://localhost/",
            "http://a.localhost/",
        ] {
            assert_eq!(proxy_for(&matcher, local), None, "{local} is reached directly");
        }

        let all = ProxyChoice::Env.proxies(env(&[("all_proxy", "socks5h://socks:1080")])).unwrap();
        assert_eq!(proxy_for(&all, "https://api.boltz.bio/").as_deref(), Some("socks5h://socks:1080/"));
        assert!(ProxyChoice::Env.proxies(env(&[])).unwrap().is_none(), "no variable, no proxy");
        let cgi = [("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "http://attacker:1")];
        assert!(ProxyChoice::Env.proxies(env(&cgi)).unwrap().is_none(), "a CGI process ignores HTTP_PROXY");
    }

    #[test]
    fn an_explicit_proxy_or_none_overrides_the_environment() {
        let vars = [("HTTPS_PROXY", "http://from.env:1")];
        let explicit = ProxyChoice::Url("http://user:pw@explicit:2".into()).proxies(env(&vars)).unwrap();
        assert_eq!(proxy_for(&explicit, "https://api.boltz.bio/").as_deref(), Some("http://explicit:2/"));
        assert_eq!(
            proxy_for(&explicit, "http://127.0.0.1/").as_deref(),
            Some("http://explicit:2/"),
            "even loopback"
        );
        let intercept =
            explicit.as_ref().unwrap().intercept(&Uri::from_static("https://api.boltz.bio/")).unwrap();
        let auth = intercept.basic_auth().unwrap();
        assert_eq!(auth, "Basic dXNlcjpwdw==");
        assert!(auth.is_sensitive(), "the credentials stay out of logs");
        assert!(ProxyChoice::Off.proxies(env(&vars)).unwrap().is_none());
    }

    #[test]
    fn unusable_proxies_fail_the_build_without_showing_the_url() {
        for url in ["not a url", "https://user:s3cret@tls.proxy:443", "ftp://proxy:21"] {
            let Err(err) = ProxyChoice::Url(url.into()).proxies(env(&[])) else { panic!("{url} accepted") };
            assert!(matches!(err, BuildError::InvalidProxy { .. }), "{url}: {err:?}");
            assert!(!err.to_string().contains("s3cret"), "{err}");
        }
        let tls = ProxyChoice::Env.proxies(env(&[("HTTPS_PROXY", "https://tls.proxy:443")]));
        assert!(matches!(tls, Err(BuildError::InvalidProxy { .. })), "never CONNECT in clear text");
        let choice = ProxyChoice::Url("http://user:s3cret@proxy:1".into());
        assert!(!format!("{choice:?}").contains("s3cret"), "Debug shows no credentials");
        let bare = ProxyChoice::Url("proxy.internal:3128".into()).proxies(env(&[])).unwrap();
        assert_eq!(
            proxy_for(&bare, "https://api.boltz.bio/").as_deref(),
            Some("http://proxy.internal:3128/")
        );
    }
}
