//! TLS as Lambda's functions meet it: every AWS endpoint they call is HTTPS.
//! A certificate authority made for the run signs one server certificate for
//! 127.0.0.1; the functions trust it through the SDK's trust store (the
//! platform roots, which `SSL_CERT_FILE` names: the machine's bundle plus this
//! CA, so loading them costs what the full bundle costs). Verification stays on.
//!
//! - The measuring proxy to DynamoDB Local (`proxy`) serves TLS itself
//!   through [`listen`]: a separate TLS front would add a hop each way, and
//!   its time would count as the function's.
//! - [`SecretsManager`] answers `GetSecretValue` with the signing key, so the
//!   token functions read their key at cold start as they do in AWS.

use std::{convert::Infallible, net::SocketAddr, path::PathBuf, sync::Arc};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};
use rustls::{
    ServerConfig,
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::Error;

/// Where Debian and Amazon Linux keep the platform's root certificates.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
];

pub struct Pki {
    /// The trust bundle the functions get as `SSL_CERT_FILE`.
    pub bundle: PathBuf,
    /// The run's CA alone: what loading the platform bundle costs is the
    /// difference.
    pub ca_only: PathBuf,
    acceptor: TlsAcceptor,
}

impl Pki {
    /// A new CA and server certificate; the bundle is written to `dir`.
    pub fn new(dir: &std::path::Path) -> Result<Self, Error> {
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "Conduit benchmark CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate()?)?;

        let mut server = CertificateParams::new(Vec::<String>::new())?;
        server
            .subject_alt_names
            .push(SanType::IpAddress("127.0.0.1".parse()?));
        server
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        let key = KeyPair::generate()?;
        let cert = server.signed_by(&key, &ca)?;

        let mut bundle_text = String::new();
        for path in SYSTEM_BUNDLES {
            if let Ok(system) = std::fs::read_to_string(path) {
                bundle_text.push_str(&system);
                bundle_text.push('\n');
                break;
            }
        }
        bundle_text.push_str(&ca.pem());
        std::fs::create_dir_all(dir)?;
        let bundle = dir.join("trust-bundle.pem");
        std::fs::write(&bundle, bundle_text)?;
        let ca_only = dir.join("ca.pem");
        std::fs::write(&ca_only, ca.pem())?;

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone(), CertificateDer::from(ca.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )?;
        Ok(Self {
            bundle,
            ca_only,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}

/// Listens on 127.0.0.1 and hands each accepted TLS stream to `serve`.
pub async fn listen<F, Fut>(pki: &Pki, serve: F) -> std::io::Result<SocketAddr>
where
    F: Fn(tokio_rustls::server::TlsStream<TcpStream>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let acceptor = pki.acceptor.clone();
    let serve = Arc::new(serve);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            stream.set_nodelay(true).ok();
            let acceptor = acceptor.clone();
            let serve = serve.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(stream).await {
                    serve(tls).await;
                }
            });
        }
    });
    Ok(addr)
}

/// A stand-in for Secrets Manager's `GetSecretValue`, over TLS.
pub struct SecretsManager {
    pub addr: SocketAddr,
}

pub const SECRET_ARN: &str = "arn:aws:secretsmanager:us-east-1:000000000000:secret:conduit-bench";

impl SecretsManager {
    pub async fn start(pki: &Pki, secret: String) -> std::io::Result<Self> {
        let answer = Bytes::from(
            serde_json::json!({
                "ARN": SECRET_ARN,
                "Name": "conduit-bench",
                "VersionId": "00000000-0000-0000-0000-000000000000",
                "SecretString": secret,
                "VersionStages": ["AWSCURRENT"],
                "CreatedDate": 1_700_000_000,
            })
            .to_string(),
        );
        let addr = listen(pki, move |tls| {
            let answer = answer.clone();
            async move {
                let service = service_fn(move |req: Request<Incoming>| {
                    let answer = answer.clone();
                    async move {
                        let target = req
                            .headers()
                            .get("x-amz-target")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned();
                        let response = if target == "secretsmanager.GetSecretValue" {
                            Response::builder()
                                .header("content-type", "application/x-amz-json-1.1")
                                .body(Full::new(answer))
                        } else {
                            Response::builder()
                                .status(400)
                                .header("content-type", "application/x-amz-json-1.1")
                                .body(Full::new(Bytes::from_static(
                                    br#"{"__type":"InvalidRequestException"}"#,
                                )))
                        };
                        Ok::<_, Infallible>(response.unwrap())
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            }
        })
        .await?;
        Ok(Self { addr })
    }
}
