//! TOML configuration: serde structs with defaults, unknown keys rejected, values validated.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Everything an operator can set. Every section and key has a default.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub store: StoreConfig,
    pub game: GameConfig,
    pub limits: LimitsConfig,
    pub telnet: TelnetConfig,
    pub metrics: MetricsConfig,
    pub log: LogConfig,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Address for Prometheus text at `GET /metrics`; off when unset.
    pub listen: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// One or more telnet listeners.
    pub listen: Vec<String>,
    /// Game name: MSSP NAME and welcome text.
    pub name: String,
    /// Directory holding connect.txt and quit.txt.
    pub text_dir: PathBuf,
    /// Telnet-inside-TLS listeners, held by the front process; none by default.
    pub tls_listen: Vec<String>,
    /// PEM certificate chain for TLS listeners and `web_tls`.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Web client listeners (the page at `/`, WebSocket at `/ws`); none by default.
    pub web_listen: Vec<String>,
    /// Serve https/wss on the web listeners, with the same certificate.
    pub web_tls: bool,
    /// mushd's Unix socket for the front process; default `<data_dir>/front.sock`.
    pub front_socket: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: vec!["0.0.0.0:4201".into()],
            name: "mushd".into(),
            text_dir: PathBuf::from("config/text"),
            tls_listen: Vec::new(),
            tls_cert: None,
            tls_key: None,
            web_listen: Vec::new(),
            web_tls: false,
            front_socket: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Embedded,
    Redis,
}

/// What happens to a login when its critical write cannot reach the store.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CriticalWriteFailure {
    /// The player gets in; the write stays queued and a warning is logged.
    Degrade,
    /// The player is told the game cannot log them in right now.
    Refuse,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    /// fred URL: `redis://[:password@]host:port[/db]`, `rediss://` for TLS,
    /// `redis-sentinel://...` and `redis-cluster://...` for those deployments.
    pub url: String,
    /// Every key starts with `<prefix>:`.
    pub prefix: String,
    pub pool_size: usize,
    pub connect_timeout_ms: u64,
    pub command_timeout_ms: u64,
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            url: "redis://127.0.0.1:6379".into(),
            prefix: "mushd".into(),
            pool_size: 2,
            connect_timeout_ms: 2000,
            command_timeout_ms: 2000,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub backend: Backend,
    pub data_dir: PathBuf,
    /// How often the write-behind flushes dirty metadata.
    pub flush_interval_ms: u64,
    /// Flush early once this many keys are dirty.
    pub flush_max_keys: usize,
    /// How long a critical write may take before it counts as failed.
    pub critical_write_timeout_ms: u64,
    pub critical_write_failure: CriticalWriteFailure,
    pub redis: RedisConfig,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            backend: Backend::Embedded,
            data_dir: PathBuf::from("data"),
            flush_interval_ms: 50,
            flush_max_keys: 1024,
            critical_write_timeout_ms: 2000,
            critical_write_failure: CriticalWriteFailure::Degrade,
            redis: RedisConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GameConfig {
    /// God's password, used once when a new database is created.
    pub initial_god_password: String,
    /// Argon2 memory cost in KiB for new password hashes.
    pub password_hash_memory_kib: u32,
    /// Seconds between `@destroy` and the object going for good (`@undestroy` saves
    /// it meanwhile; a second `@destroy` destroys at once).
    pub destroy_delay_secs: u64,
    /// Most objects a non-wizard may own (rooms, exits, things), so one player cannot
    /// fill the database; 0 = no limit. PennMUSH's default `starting_quota` is 20.
    pub building_quota: usize,
    /// Pennies a new player starts with (PennMUSH's `starting_money`).
    pub starting_money: i64,
    /// Directory of help files (`*.txt`, topics as `& NAME` lines); the built-in help
    /// is used when it is missing.
    pub help_dir: PathBuf,
    /// Wall-clock milliseconds one softcode evaluation may run before it is stopped
    /// (the game task runs nothing else meanwhile).
    pub softcode_time_budget_ms: u64,
    /// The room whose contents' `$`-commands work everywhere (PennMUSH's MASTER_ROOM);
    /// a dbref that is not a room turns global commands off.
    pub master_room: u32,
    /// Most queue entries one owner's objects may have waiting (PennMUSH's
    /// QUEUE_QUOTA); the next makes the object a runaway: its queue is halted and it is
    /// set HALT.
    pub queue_quota: usize,
    /// Most queue entries in all; beyond, new entries are dropped and logged.
    pub queue_max: usize,
    /// Most queue entries run between two looks at the connections, so players'
    /// commands always come first.
    pub queue_batch: usize,
    /// Most messages one player's mailbox may hold (PennMUSH's `mail_limit`); mail to
    /// a full mailbox is refused.
    pub mailbox_limit: usize,
    /// Most lines a channel's recall buffer may keep (`@channel/buffer` is capped here).
    pub chat_max_recall: usize,
    /// Recall lines of the channels a new game starts with (Public and Admin).
    pub chat_recall_lines: usize,
    /// Seconds a logged-in session whose socket dropped (no QUIT) stays link-dead,
    /// reattachable by logging in again, before the disconnect happens; 0 = off.
    pub linkdead_grace_secs: u64,
    /// Whether the room hears "X has reconnected." when a link-dead session is
    /// reattached.
    pub announce_reconnect: bool,
}

impl GameConfig {
    pub fn softcode_time_budget(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.softcode_time_budget_ms)
    }
}

impl Default for GameConfig {
    fn default() -> Self {
        Self {
            initial_god_password: "change-me".into(),
            password_hash_memory_kib: 19 * 1024,
            destroy_delay_secs: 600,
            building_quota: 20,
            starting_money: 150,
            help_dir: PathBuf::from("config/help"),
            softcode_time_budget_ms: 500,
            master_room: 2,
            queue_quota: 100,
            queue_max: 100_000,
            queue_batch: 50,
            mailbox_limit: 300,
            chat_max_recall: 100,
            chat_recall_lines: 20,
            linkdead_grace_secs: 300,
            announce_reconnect: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
    /// Longest input line; longer lines are cut with a notice.
    pub max_line_bytes: usize,
    /// Pending output per connection before the oldest is dropped.
    pub output_queue_bytes: usize,
    /// Seconds a connection may sit on the login screen.
    pub login_timeout_secs: u64,
    /// Failed logins one address may make per minute (counted before hashing).
    pub failed_logins_per_ip_per_minute: u32,
    /// Failed logins from all addresses together per minute; 0 = no limit.
    pub failed_logins_per_minute: u32,
    /// Characters one address may create per hour; 0 = no limit.
    pub creates_per_ip_per_hour: u32,
    /// Characters created from all addresses together per hour; 0 = no limit.
    pub creates_per_hour: u32,
    /// `WHO` requests one address may make from the login screen per minute.
    pub login_who_per_ip_per_minute: u32,
    /// Password hashes computed at once (argon2 takes ~19 MiB each); about the core count.
    pub password_hash_concurrency: usize,
    /// Kernel send buffer per client socket; 0 keeps the OS default (which can grow
    /// to megabytes per connection). Small values make the output queue the limit.
    pub socket_send_buffer_bytes: usize,
    /// Output kept for a link-dead session (replayed when it is reattached); past it
    /// the oldest is dropped and the replay starts with "*** FLUSHED ***".
    pub linkdead_buffer_bytes: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_connections: 16_000,
            max_connections_per_ip: 1_000,
            max_line_bytes: 8 * 1024,
            output_queue_bytes: 256 * 1024,
            login_timeout_secs: 300,
            failed_logins_per_ip_per_minute: 10,
            failed_logins_per_minute: 120,
            creates_per_ip_per_hour: 5,
            creates_per_hour: 300,
            login_who_per_ip_per_minute: 30,
            password_hash_concurrency: 2,
            socket_send_buffer_bytes: 64 * 1024,
            linkdead_buffer_bytes: 64 * 1024,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TelnetConfig {
    /// Seconds between IAC NOP keepalives; 0 turns them off (some clients print them).
    pub keepalive_secs: u64,
    /// Largest subnegotiation payload accepted; longer ones are discarded.
    pub max_subnegotiation_bytes: usize,
    /// Extra MSSP variables (e.g. WEBSITE, CONTACT, LANGUAGE).
    pub mssp: std::collections::BTreeMap<String, String>,
}

impl Default for TelnetConfig {
    fn default() -> Self {
        Self {
            keepalive_secs: 0,
            max_subnegotiation_bytes: 1024,
            mssp: Default::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter such as "info" or "mushd=debug"; RUST_LOG overrides it.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses config text; `origin` names the file in error messages.
    pub fn parse(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_path_buf(),
            message: describe_toml_error(text, &e),
        })?;
        config.validate().map_err(|message| ConfigError::Invalid {
            path: origin.to_path_buf(),
            message,
        })?;
        Ok(config)
    }

    /// Checks values serde cannot: addresses parse, limits are non-zero.
    pub fn validate(&self) -> Result<(), String> {
        if self.server.listen.is_empty() {
            return Err("key server.listen: at least one address is needed".into());
        }
        for addr in &self.server.listen {
            addr.parse::<SocketAddr>().map_err(|_| {
                format!("key server.listen: {addr:?} is not an address like \"0.0.0.0:4201\"")
            })?;
        }
        for (key, list) in [
            ("server.tls_listen", &self.server.tls_listen),
            ("server.web_listen", &self.server.web_listen),
        ] {
            for addr in list {
                addr.parse::<SocketAddr>().map_err(|_| {
                    format!("key {key}: {addr:?} is not an address like \"0.0.0.0:4202\"")
                })?;
            }
        }
        let has_pair = self.server.tls_cert.is_some() && self.server.tls_key.is_some();
        if !self.server.tls_listen.is_empty() && !has_pair {
            return Err(
                "key server.tls_listen: TLS listeners need server.tls_cert and server.tls_key"
                    .into(),
            );
        }
        if self.server.web_tls && !has_pair {
            return Err(
                "key server.web_tls: https/wss needs server.tls_cert and server.tls_key".into(),
            );
        }
        if self.server.web_tls && self.server.web_listen.is_empty() {
            return Err("key server.web_tls: set server.web_listen too".into());
        }
        if self.server.tls_cert.is_some() != self.server.tls_key.is_some() {
            return Err("keys server.tls_cert, server.tls_key: set both or neither".into());
        }
        if self.server.name.trim().is_empty() {
            return Err("key server.name: must not be empty".into());
        }
        let nonzero = [
            ("limits.max_connections", self.limits.max_connections),
            (
                "limits.max_connections_per_ip",
                self.limits.max_connections_per_ip,
            ),
            ("store.flush_max_keys", self.store.flush_max_keys),
            (
                "limits.password_hash_concurrency",
                self.limits.password_hash_concurrency,
            ),
        ];
        for (key, value) in nonzero {
            if value == 0 {
                return Err(format!("key {key}: must be greater than 0"));
            }
        }
        if self.limits.max_line_bytes < 80 {
            return Err("key limits.max_line_bytes: must be at least 80".into());
        }
        if self.limits.output_queue_bytes < 4096 {
            return Err("key limits.output_queue_bytes: must be at least 4096".into());
        }
        if self.limits.linkdead_buffer_bytes < 1024 {
            return Err("key limits.linkdead_buffer_bytes: must be at least 1024".into());
        }
        if self.telnet.max_subnegotiation_bytes < 64 {
            return Err("key telnet.max_subnegotiation_bytes: must be at least 64".into());
        }
        if self.store.flush_interval_ms == 0 {
            return Err("key store.flush_interval_ms: must be greater than 0".into());
        }
        if self.store.critical_write_timeout_ms == 0 {
            return Err("key store.critical_write_timeout_ms: must be greater than 0".into());
        }
        if self.store.redis.pool_size == 0 || self.store.redis.pool_size > 64 {
            return Err("key store.redis.pool_size: must be between 1 and 64".into());
        }
        if self.store.redis.prefix.is_empty()
            || self.store.redis.prefix.contains(char::is_whitespace)
        {
            return Err("key store.redis.prefix: must be non-empty, without spaces".into());
        }
        if fred::types::config::Config::from_url(&self.store.redis.url).is_err() {
            return Err(format!(
                "key store.redis.url: {:?} is not a Redis URL like \"redis://127.0.0.1:6379\"",
                self.store.redis.url
            ));
        }
        if let Some(addr) = &self.metrics.listen {
            addr.parse::<SocketAddr>().map_err(|_| {
                format!("key metrics.listen: {addr:?} is not an address like \"127.0.0.1:9464\"")
            })?;
        }
        if !(1..=60_000).contains(&self.game.softcode_time_budget_ms) {
            return Err("key game.softcode_time_budget_ms: must be between 1 and 60000".into());
        }
        if self.game.queue_quota == 0 || self.game.queue_max == 0 || self.game.queue_batch == 0 {
            return Err(
                "keys game.queue_quota, game.queue_max, game.queue_batch: must be at least 1"
                    .into(),
            );
        }
        if self.game.password_hash_memory_kib < 8 {
            return Err("key game.password_hash_memory_kib: must be at least 8".into());
        }
        Ok(())
    }

    /// The effective config as TOML, for `check-config`.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot render: {e}"))
    }

    /// Where the front process reaches the game, when there is one (a TLS or web
    /// listener is configured, or the socket is named).
    pub fn front_socket_path(&self) -> Option<PathBuf> {
        let wanted = !self.server.tls_listen.is_empty()
            || !self.server.web_listen.is_empty()
            || self.server.front_socket.is_some();
        wanted.then(|| crate::front::front_socket_path(self))
    }

    pub fn listen_addrs(&self) -> Vec<SocketAddr> {
        self.server
            .listen
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect()
    }
}

/// Turns a toml error into "line N, column M: message" naming the key.
fn describe_toml_error(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim().to_string();
    match err.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before
                .rsplit('\n')
                .next()
                .map(|l| l.chars().count())
                .unwrap_or(0)
                + 1;
            let snippet = text.lines().nth(line - 1).unwrap_or("").trim();
            format!("line {line}, column {column}: {message} (at `{snippet}`)")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        Config::default().validate().expect("defaults are valid");
    }

    #[test]
    fn contract_keys_parse() {
        let text = r#"
[server]
listen = ["0.0.0.0:4201", "127.0.0.1:4202"]
name = "Test"
[store]
backend = "embedded"
data_dir = "d"
[game]
initial_god_password = "pw"
"#;
        let c = Config::parse(text, Path::new("t.toml")).expect("parses");
        assert_eq!(c.server.listen.len(), 2);
        assert_eq!(c.game.initial_god_password, "pw");
        assert_eq!(c.limits.max_line_bytes, 8192);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let text = "[server]\nname = \"x\"\nlisten_on = [\"1.2.3.4:1\"]\n";
        let err = Config::parse(text, Path::new("my.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("my.toml"), "{err}");
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("listen_on"), "{err}");
    }

    #[test]
    fn tls_listeners_need_a_certificate_and_key() {
        let err = Config::parse(
            "[server]\ntls_listen = [\"127.0.0.1:4202\"]\n",
            Path::new("t.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("server.tls_cert"), "{err}");
        let err = Config::parse(
            "[server]\nweb_listen = [\"127.0.0.1:4280\"]\nweb_tls = true\n",
            Path::new("t.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("server.web_tls"), "{err}");
        let err = Config::parse("[server]\nweb_listen = [\"web\"]\n", Path::new("t.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.web_listen"), "{err}");
        let ok = "[server]\ntls_listen = [\"127.0.0.1:4202\"]\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\nweb_listen = [\"127.0.0.1:4280\"]\nweb_tls = true\n";
        Config::parse(ok, Path::new("t.toml")).expect("valid");
    }

    #[test]
    fn bad_address_is_named() {
        let text = "[server]\nlisten = [\"nowhere\"]\n";
        let err = Config::parse(text, Path::new("a.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.listen"), "{err}");
    }
}
