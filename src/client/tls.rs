//! TLS for the default transport. The library is chosen by cargo features: rustls with the ring
//! (`rustls-ring`, the default) or aws-lc-rs (`rustls-aws-lc`) provider, or the platform's TLS
//! through native-tls (`native-tls`, which wins when enabled with a rustls feature). rustls trusts
//! Mozilla's roots (`webpki-roots`, the default) and/or the platform's (`native-roots`), plus any
//! added with [`ClientBuilder::add_root_certificate`](crate::ClientBuilder::add_root_certificate).

use std::fmt;

use base64::Engine as _;

use crate::error::BuildError;

/// A root certificate to trust besides the default roots: a private CA, or the CA of a proxy that
/// inspects TLS.
///
/// ```
/// use boltz_api::client::Certificate;
///
/// let pem = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
/// let certificate = Certificate::from_pem(pem.as_bytes()).unwrap();
/// assert_eq!(certificate.der(), [0x30, 0x00]);
/// assert!(Certificate::from_pem(b"no certificate here").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate").field("der_bytes", &self.der.len()).finish()
    }
}

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

impl Certificate {
    /// A DER-encoded certificate.
    pub fn from_der(der: impl Into<Vec<u8>>) -> Self {
        Self { der: der.into() }
    }

    /// The first certificate of a PEM file.
    pub fn from_pem(pem: &[u8]) -> Result<Self, BuildError> {
        Self::from_pem_bundle(pem)?.into_iter().next().ok_or_else(no_certificate)
    }

    /// Every certificate of a PEM file (a CA bundle); other PEM blocks are skipped.
    pub fn from_pem_bundle(pem: &[u8]) -> Result<Vec<Self>, BuildError> {
        let text = std::str::from_utf8(pem).map_err(|_| no_certificate())?;
        let mut certificates = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find(BEGIN) {
            let body = &rest[start + BEGIN.len()..];
            let end = body.find(END).ok_or_else(|| invalid("a PEM certificate has no END line"))?;
            let base64: String = body[..end].chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(base64)
                .map_err(|e| invalid(&format!("a PEM certificate is not base64: {e}")))?;
            certificates.push(Self { der });
            rest = &body[end + END.len()..];
        }
        if certificates.is_empty() {
            return Err(no_certificate());
        }
        Ok(certificates)
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

fn no_certificate() -> BuildError {
    invalid("no PEM certificate (-----BEGIN CERTIFICATE-----) found")
}

fn invalid(reason: &str) -> BuildError {
    BuildError::InvalidCertificate { reason: reason.to_owned() }
}

/// What the TLS connector is built with.
#[derive(Debug, Clone)]
// Without a TLS library there is no ALPN to offer.
#[cfg_attr(
    not(any(feature = "rustls-ring", feature = "rustls-aws-lc", feature = "native-tls")),
    allow(dead_code)
)]
pub(crate) struct TlsConfig<'a> {
    pub(crate) roots: &'a [Certificate],
    /// Offer HTTP/1.1 in ALPN.
    pub(crate) http1: bool,
    /// Offer HTTP/2 in ALPN.
    pub(crate) http2: bool,
}

#[cfg(feature = "native-tls")]
mod backend {
    use super::TlsConfig;
    use crate::error::BuildError;

    /// native-tls over the proxy-aware connector.
    pub(crate) type Tls<C> = hyper_tls::HttpsConnector<C>;

    pub(crate) fn wrap<C>(connector: C, config: &TlsConfig<'_>) -> Result<Tls<C>, BuildError> {
        let mut builder = native_tls::TlsConnector::builder();
        for root in config.roots {
            let certificate =
                native_tls::Certificate::from_der(root.der()).map_err(|e| BuildError::Tls(e.into()))?;
            builder.add_root_certificate(certificate);
        }
        let alpn: Vec<&str> = [(config.http2, "h2"), (config.http1, "http/1.1")]
            .into_iter()
            .filter_map(|(on, protocol)| on.then_some(protocol))
            .collect();
        builder.request_alpns(&alpn);
        let tls = builder.build().map_err(|e| BuildError::Tls(e.into()))?;
        Ok(hyper_tls::HttpsConnector::from((connector, tls.into())))
    }
}

#[cfg(all(any(feature = "rustls-ring", feature = "rustls-aws-lc"), not(feature = "native-tls")))]
mod backend {
    use std::sync::Arc;

    use hyper_rustls::HttpsConnectorBuilder;
    use rustls::RootCertStore;
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::CertificateDer;

    use super::TlsConfig;
    use crate::error::BuildError;

    /// rustls over the proxy-aware connector.
    pub(crate) type Tls<C> = hyper_rustls::HttpsConnector<C>;

    pub(crate) fn wrap<C>(connector: C, config: &TlsConfig<'_>) -> Result<Tls<C>, BuildError> {
        let tls = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| BuildError::Tls(e.into()))?
            .with_root_certificates(roots(config)?)
            .with_no_client_auth();
        let builder = HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http();
        Ok(match (config.http1, config.http2) {
            (true, false) => builder.enable_http1().wrap_connector(connector),
            (false, true) => builder.enable_http2().wrap_connector(connector),
            _ => builder.enable_http1().enable_http2().wrap_connector(connector),
        })
    }

    /// The process's default provider if the application installed one (so one crypto library
    /// serves the whole process), else the one the features chose; aws-lc-rs when both are on.
    fn provider() -> Arc<CryptoProvider> {
        if let Some(installed) = CryptoProvider::get_default() {
            return installed.clone();
        }
        #[cfg(feature = "rustls-aws-lc")]
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        #[cfg(not(feature = "rustls-aws-lc"))]
        let provider = rustls::crypto::ring::default_provider();
        Arc::new(provider)
    }

    fn roots(config: &TlsConfig<'_>) -> Result<RootCertStore, BuildError> {
        let mut roots = RootCertStore::empty();
        #[cfg(feature = "webpki-roots")]
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        #[cfg(feature = "native-roots")]
        {
            let found = rustls_native_certs::load_native_certs();
            for error in &found.errors {
                tracing::warn!(%error, "a platform root certificate could not be loaded");
            }
            roots.add_parsable_certificates(found.certs);
        }
        for root in config.roots {
            roots.add(CertificateDer::from(root.der().to_vec())).map_err(|e| BuildError::Tls(e.into()))?;
        }
        if roots.is_empty() {
            let message = "no root certificates: enable the webpki-roots or native-roots feature, or add_root_certificate";
            return Err(BuildError::Tls(message.into()));
        }
        Ok(roots)
    }
}

#[cfg(not(any(feature = "rustls-ring", feature = "rustls-aws-lc", feature = "native-tls")))]
mod backend {
    use std::task::{Context, Poll};

    use futures_util::future::{BoxFuture, FutureExt};
    use http::Uri;
    use tower::Service;

    use super::TlsConfig;
    use crate::error::BuildError;
    use boltz_api_layers::BoxError;

    /// No TLS library in this build: `http` only, and `https` refused at connect.
    #[derive(Debug, Clone)]
    pub(crate) struct Tls<C>(C);

    pub(crate) fn wrap<C>(connector: C, config: &TlsConfig<'_>) -> Result<Tls<C>, BuildError> {
        if !config.roots.is_empty() {
            let message = "root certificates need TLS: enable rustls-ring, rustls-aws-lc or native-tls";
            return Err(BuildError::Tls(message.into()));
        }
        Ok(Tls(connector))
    }

    impl<C> Service<Uri> for Tls<C>
    where
        C: Service<Uri>,
        C::Response: Send + 'static,
        C::Future: Send + 'static,
        C::Error: Into<BoxError>,
    {
        type Response = C::Response;
        type Error = BoxError;
        type Future = BoxFuture<'static, Result<C::Response, BoxError>>;

        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            self.0.poll_ready(cx).map_err(Into::into)
        }

        fn call(&mut self, dst: Uri) -> Self::Future {
            if dst.scheme_str() == Some("https") {
                let message =
                    "this build of boltz-api has no TLS: enable rustls-ring, rustls-aws-lc or native-tls";
                return futures_util::future::ready(Err(message.into())).boxed();
            }
            self.0.call(dst).map(|r| r.map_err(Into::into)).boxed()
        }
    }
}

pub(crate) use backend::{Tls, wrap};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_yields_every_certificate_and_skips_other_blocks() {
        let pem = "junk\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n\
                   -----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n\
                   -----BEGIN CERTIFICATE-----\nMAEA\n-----END CERTIFICATE-----\n";
        let all = Certificate::from_pem_bundle(pem.as_bytes()).unwrap();
        assert_eq!(
            all.iter().map(Certificate::der).collect::<Vec<_>>(),
            [&[0x30, 0x00][..], &[0x30, 0x01, 0x00][..]]
        );
        let broken = "-----BEGIN CERTIFICATE-----\nMAA=\n";
        assert!(Certificate::from_pem(broken.as_bytes()).unwrap_err().to_string().contains("END"));
    }
}
