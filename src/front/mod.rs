//! The front process: a small, long-lived child of mushd that holds TLS and WebSocket
//! connections and hands each one to mushd as plain bytes over a Unix socket (PennMUSH's
//! ssl_slave idea). mushd's hot reboot execs only mushd; the front keeps running, so its
//! clients stay connected while the per-client Unix streams pass through exec.
//!
//! Contract with mushd, per client: connect to the backend socket, write
//! `MUSHD-FRONT 1 <tls|ws|wss> <peer-ip>:<peer-port>\n`, then bytes flow both ways (see
//! [`translate`] for how WebSocket frames become telnet bytes and back).

mod keeper;
mod run;
pub mod supervise;
pub mod tls;
pub mod translate;
mod web;

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::config::Config;

pub use keeper::Keeper;
pub use run::run;
pub use supervise::FrontProcess;
pub use tls::TlsFileError;

/// The `mushd front` command line; mushd builds it from its config.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct FrontArgs {
    /// mushd's Unix socket for front connections.
    #[arg(long)]
    pub backend: PathBuf,
    /// Telnet-inside-TLS listeners.
    #[arg(long = "tls-listen")]
    pub tls_listen: Vec<SocketAddr>,
    /// Web listeners: the client page at `/` and WebSocket at `/ws`.
    #[arg(long = "web-listen")]
    pub web_listen: Vec<SocketAddr>,
    /// PEM certificate chain.
    #[arg(long)]
    pub cert: Option<PathBuf>,
    /// PEM private key.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Serve https/wss on the web listeners, with the same certificate.
    #[arg(long)]
    pub web_tls: bool,
    /// Open client connections held at once; more are closed at accept.
    #[arg(long, default_value_t = 1000)]
    pub max_connections: usize,
    /// Exit when this process is no longer our parent (set by `FrontProcess::spawn`).
    #[arg(long)]
    pub parent_pid: Option<u32>,
    /// Log filter when RUST_LOG is unset.
    #[arg(long, default_value = "info")]
    pub log_level: String,
}

impl FrontArgs {
    /// The front mushd should run for this config; None when no TLS or web listener is set.
    pub fn from_config(config: &Config) -> Option<FrontArgs> {
        let s = &config.server;
        if s.tls_listen.is_empty() && s.web_listen.is_empty() {
            return None;
        }
        let parse = |list: &[String]| list.iter().filter_map(|a| a.parse().ok()).collect();
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        Some(FrontArgs {
            backend: absolute(&front_socket_path(config)),
            tls_listen: parse(&s.tls_listen),
            web_listen: parse(&s.web_listen),
            cert: s.tls_cert.as_deref().map(absolute),
            key: s.tls_key.as_deref().map(absolute),
            web_tls: s.web_tls,
            max_connections: config.limits.max_connections,
            parent_pid: None,
            log_level: config.log.level.clone(),
        })
    }

    /// Whether any listener needs the certificate.
    pub fn needs_certificate(&self) -> bool {
        !self.tls_listen.is_empty() || (self.web_tls && !self.web_listen.is_empty())
    }

    /// The arguments after the executable: `front --backend ...`.
    pub fn to_command_args(&self) -> Vec<OsString> {
        let mut a: Vec<OsString> = vec!["front".into(), "--backend".into()];
        a.push(self.backend.clone().into());
        for addr in &self.tls_listen {
            a.push("--tls-listen".into());
            a.push(addr.to_string().into());
        }
        for addr in &self.web_listen {
            a.push("--web-listen".into());
            a.push(addr.to_string().into());
        }
        if let Some(cert) = &self.cert {
            a.push("--cert".into());
            a.push(cert.clone().into());
        }
        if let Some(key) = &self.key {
            a.push("--key".into());
            a.push(key.clone().into());
        }
        if self.web_tls {
            a.push("--web-tls".into());
        }
        a.push("--max-connections".into());
        a.push(self.max_connections.to_string().into());
        if let Some(pid) = self.parent_pid {
            a.push("--parent-pid".into());
            a.push(pid.to_string().into());
        }
        a.push("--log-level".into());
        a.push(self.log_level.clone().into());
        a
    }
}

/// `server.front_socket`, or `<data_dir>/front.sock`.
pub fn front_socket_path(config: &Config) -> PathBuf {
    config
        .server
        .front_socket
        .clone()
        .unwrap_or_else(|| config.store.data_dir.join("front.sock"))
}

/// For `check-config` and start-up: the certificate and key named in the config load and
/// belong together. Ok when no listener needs them.
pub fn check_tls_files(config: &Config) -> Result<(), TlsFileError> {
    match (&config.server.tls_cert, &config.server.tls_key) {
        (Some(cert), Some(key)) => tls::load_server_config(cert, key).map(|_| ()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: FrontArgs,
    }

    #[test]
    fn command_args_round_trip_through_clap() {
        let args = FrontArgs {
            backend: "/d/front.sock".into(),
            tls_listen: vec![
                "127.0.0.1:4202".parse().unwrap(),
                "[::1]:4203".parse().unwrap(),
            ],
            web_listen: vec!["0.0.0.0:4280".parse().unwrap()],
            cert: Some("/c.pem".into()),
            key: Some("/k.pem".into()),
            web_tls: true,
            max_connections: 7,
            parent_pid: Some(42),
            log_level: "debug".into(),
        };
        let mut argv: Vec<OsString> = vec!["mushd".into()];
        argv.extend(args.to_command_args().into_iter().skip(1));
        assert_eq!(Cli::parse_from(argv).args, args);
    }

    #[test]
    fn no_front_without_listeners() {
        assert_eq!(FrontArgs::from_config(&Config::default()), None);
        let mut c = Config::default();
        c.server.web_listen = vec!["127.0.0.1:4280".into()];
        let a = FrontArgs::from_config(&c).expect("a front");
        assert!(a.backend.ends_with("front.sock"));
        assert!(a.backend.is_absolute());
        assert!(!a.needs_certificate());
    }
}
