//! The `mushd` command line: `serve` and `check-config` (and the hidden `front`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use mushd::config::Config;
use mushd::game::GameMsg;

#[derive(Parser)]
#[command(name = "mushd", version, about = "A MUSH server daemon")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Config file; defaults to config/mushd.toml when it exists, else built-in defaults.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Validate a config file and print the effective configuration.
    CheckConfig {
        /// The config file to check.
        path: PathBuf,
    },
    /// The TLS/WebSocket front process; mushd starts it itself.
    #[command(hide = true)]
    Front(mushd::front::FrontArgs),
}

const DEFAULT_CONFIG: &str = "config/mushd.toml";

fn main() -> ExitCode {
    mushd::rlimit::return_big_allocations();
    let cli = Cli::parse();
    match cli.command {
        Command::Front(args) => {
            init_logging(&args.log_level);
            mushd::rlimit::raise_fd_limit();
            mushd::front::run(args)
        }
        Command::CheckConfig { path } => match Config::load(&path) {
            Ok(config) => {
                if let Err(e) = mushd::front::check_tls_files(&config) {
                    eprintln!("error: {}: {e}", path.display());
                    return ExitCode::from(2);
                }
                println!("# {} is valid; effective configuration:", path.display());
                print!("{}", config.to_toml());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Serve { config } => {
            let config = match load_for_serve(config.as_deref()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            init_logging(&config.log.level);
            if let Some((old, new)) = mushd::rlimit::raise_fd_limit() {
                tracing::debug!(old, new, "open-file limit");
                if (new as usize) < config.limits.max_connections + 64 {
                    tracing::warn!(
                        limit = new,
                        max_connections = config.limits.max_connections,
                        "the open-file limit is below limits.max_connections; raise it (ulimit -n)"
                    );
                }
            }
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(serve(config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e:#}");
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn load_for_serve(path: Option<&Path>) -> Result<Config, mushd::config::ConfigError> {
    match path {
        Some(p) => Config::load(p),
        None if Path::new(DEFAULT_CONFIG).exists() => Config::load(Path::new(DEFAULT_CONFIG)),
        None => Ok(Config::default()),
    }
}

/// Logs go to stderr; the level comes from RUST_LOG when set, else from the config.
fn init_logging(level: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let server = mushd::server::start(config).await?;
    for addr in &server.local_addrs {
        // A stable line that scripts and tests wait for.
        println!("mushd: listening on {addr}");
    }
    if let Some(addr) = server.metrics_addr {
        println!("mushd: metrics on http://{addr}/metrics");
    }
    let game = server.ctx.game.clone();
    let shutdown = server.ctx.shutdown.clone();
    #[cfg(unix)]
    {
        // SIGUSR1 asks for a hot reboot, as in PennMUSH.
        use tokio::signal::unix::{signal, SignalKind};
        // SIGHUP reloads the TLS certificate and key (the front process holds them).
        if let Ok(mut hup) = signal(SignalKind::hangup()) {
            let ctx = server.ctx.clone();
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    tracing::info!("SIGHUP: reloading the TLS certificate");
                    ctx.front.reload();
                }
            });
        }
        if let Ok(mut usr1) = signal(SignalKind::user_defined1()) {
            let game = game.clone();
            tokio::spawn(async move {
                while usr1.recv().await.is_some() {
                    tracing::info!("SIGUSR1: hot reboot");
                    let _ = game.send(GameMsg::Reboot { by: None }).await;
                }
            });
        }
    }
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("signal received; shutting down");
        let _ = game.send(GameMsg::Shutdown { by: None }).await;
        // A second signal while shutting down is not needed: the game flushes and exits.
        shutdown.cancelled().await;
    });
    server.wait().await
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
