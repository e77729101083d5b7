//! `ca_file`: an HTTPS endpoint whose certificate is issued by a private authority made in the
//! test is reached with that authority as the endpoint's only root, and refused without it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{secret_file, signature_ok, temp_dir};
use push::{EndpointConfig, OutgoingEvent, PushConfig, Pusher};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An HTTPS listener with `cert`/`key`, answering 204 to every correctly signed request;
/// returns its port and the count of such requests.
async fn tls_receiver(cert_pem: String, key_pem: String) -> (u16, Arc<AtomicUsize>) {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = vec![CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, seen) = (acceptor.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = tls.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    let headers: std::collections::HashMap<String, String> = head
                        .lines()
                        .skip(1)
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                        .collect();
                    let len: usize = headers["content-length"].parse().unwrap();
                    if buf.len() < end + 4 + len {
                        continue;
                    }
                    let body = buf[end + 4..end + 4 + len].to_vec();
                    buf.drain(..end + 4 + len);
                    let status = if signature_ok(&headers, &body) {
                        seen.fetch_add(1, Ordering::SeqCst);
                        204
                    } else {
                        401
                    };
                    let answer = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n");
                    if tls.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, count)
}

#[test]
fn a_private_authority_is_the_endpoints_root() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _g = rt.enter();
    let dir = temp_dir("private-ca");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    let (port, accepted) = rt.block_on(tls_receiver(server.pem(), server_key.serialize_pem()));
    let ca_file = dir.join("hospital-ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let endpoint = |name: &str, ca_file: Option<std::path::PathBuf>| EndpointConfig {
        name: Some(name.into()),
        url: format!("https://localhost:{port}/hook"),
        events: vec!["card.verified".into()],
        secret_file: secret_file(&dir),
        ca_file,
        trusted_network: false,
    };
    let config = PushConfig {
        endpoints: vec![
            endpoint("with-ca", Some(ca_file)),
            endpoint("without", None),
        ],
        timeout_secs: 2,
        retry_min_ms: 50,
        retry_max_secs: 1,
        ..PushConfig::default()
    };
    let p = Pusher::start(&config, "quay-01", &dir.join("outbox.sqlite")).unwrap();
    p.enqueue(&OutgoingEvent {
        event_id: 1,
        name: "card.verified",
        session_id: None,
        payload_json: r#"{"reader":"R"}"#,
        at: jiff::Timestamp::now(),
    })
    .unwrap();
    let end = std::time::Instant::now() + Duration::from_secs(20);
    // Until the receiver has it, the push has removed it (after the answer), and the endpoint
    // without the CA failed twice.
    while std::time::Instant::now() < end {
        let st = p.status();
        if accepted.load(Ordering::SeqCst) >= 1
            && st.endpoints[0].queued == 0
            && st.endpoints[1].failed_attempts >= 2
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "delivered once, over TLS"
    );
    let st = p.status();
    assert_eq!(st.endpoints[0].queued, 0, "{st:?}");
    let without = &st.endpoints[1];
    assert_eq!((without.queued, without.delivered), (1, 0), "{without:?}");
    assert!(
        without.last_error.is_some(),
        "the system's roots do not know the private CA"
    );
}
