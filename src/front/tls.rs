//! The certificate and key: loading, checking, and swapping on SIGHUP.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// What is wrong with the certificate or key, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsFileError {
    #[error("certificate {path}: {message}")]
    Cert { path: PathBuf, message: String },
    #[error("key {path}: {message}")]
    Key { path: PathBuf, message: String },
    #[error("certificate {cert} and key {key} do not go together: {message}")]
    Mismatch {
        cert: PathBuf,
        key: PathBuf,
        message: String,
    },
}

/// Reads a PEM certificate chain and private key and builds a server config from them.
pub fn load_server_config(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, TlsFileError> {
    let cert_err = |message: String| TlsFileError::Cert {
        path: cert.to_path_buf(),
        message,
    };
    let key_err = |message: String| TlsFileError::Key {
        path: key.to_path_buf(),
        message,
    };
    let cert_pem = std::fs::read(cert).map_err(|e| cert_err(e.to_string()))?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_err(format!("not a PEM certificate ({e})")))?;
    if chain.is_empty() {
        return Err(cert_err("no CERTIFICATE block found".into()));
    }
    let key_pem = std::fs::read(key).map_err(|e| key_err(e.to_string()))?;
    let private = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| key_err(format!("no PEM private key found ({e})")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| cert_err(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| TlsFileError::Mismatch {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            message: e.to_string(),
        })?;
    // No ALPN: browsers then speak HTTP/1.1, and telnet clients send none.
    Ok(config)
}

/// The acceptor new handshakes use; `reload` swaps it without touching open connections.
#[derive(Clone)]
pub struct Certs {
    cert: PathBuf,
    key: PathBuf,
    current: Arc<RwLock<TlsAcceptor>>,
}

impl Certs {
    pub fn load(cert: &Path, key: &Path) -> Result<Certs, TlsFileError> {
        let config = load_server_config(cert, key)?;
        Ok(Certs {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            current: Arc::new(RwLock::new(TlsAcceptor::from(Arc::new(config)))),
        })
    }

    pub fn acceptor(&self) -> TlsAcceptor {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reads the files again; on error the old certificate stays in use.
    pub fn reload(&self) -> Result<(), TlsFileError> {
        let config = load_server_config(&self.cert, &self.key)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) =
            TlsAcceptor::from(Arc::new(config));
        Ok(())
    }
}
