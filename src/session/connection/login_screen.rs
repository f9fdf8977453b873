//! The login screen's commands on a connection: `connect`, `create`, `WHO`, `QUIT`,
//! `MSSP-REQUEST`, with their rate limits, and the binding that ends it.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use tokio::sync::oneshot;
use tracing::{info, warn};

use super::{write_history, Conn, Stage, BAD_LOGIN, CANNOT_LOG_IN};
use crate::config::CriticalWriteFailure;
use crate::game::{Bound, Flow, GameMsg};
use crate::session::limits::Limited;
use crate::session::login::{self, LoginCommand};
use crate::session::outbound::CloseReason;
use crate::telnet::mud::mssp_plain;
use crate::world::Dbref;

impl Conn {
    pub(super) async fn login_line(&mut self, line: &str) -> Flow {
        match login::parse(line) {
            LoginCommand::Empty => Flow::Continue,
            LoginCommand::Usage(u) => {
                self.send_text(u);
                Flow::Continue
            }
            LoginCommand::Unknown => {
                self.send_text(
                    "That is not a login command. Use: connect <name> <password>, \
                     create <name> <password>, WHO or QUIT.",
                );
                Flow::Continue
            }
            LoginCommand::Quit => {
                self.send_text(&self.ctx.texts.quit.clone());
                self.out.close(CloseReason::Quit);
                Flow::Quit
            }
            LoginCommand::MsspRequest => {
                self.out
                    .push_text(Bytes::from(mssp_plain(&self.ctx.mssp_vars())));
                Flow::Continue
            }
            LoginCommand::Who => {
                if self.ctx.login_who.take(self.peer.ip()).is_err() {
                    self.ctx
                        .counters
                        .login_limited
                        .fetch_add(1, Ordering::Relaxed);
                    self.send_text("You have asked for WHO too often. Please wait a minute.");
                    return Flow::Continue;
                }
                match self.ctx.fresh_login_who() {
                    Some(text) => self.out.push_text(text),
                    None => {
                        let msg = GameMsg::LoginWho {
                            handle: self.handle,
                        };
                        let _ = self.ctx.game.send(msg).await;
                    }
                }
                Flow::Continue
            }
            LoginCommand::Connect { name, password } => self.connect(name, password).await,
            LoginCommand::Create { name, password } => self.create(name, password).await,
            LoginCommand::Resume { token } => self.resume(token).await,
        }
    }

    /// `resume <token>`: reattaches the link-dead session holding the token. A wrong
    /// token counts as a failed login.
    async fn resume(&mut self, token: String) -> Flow {
        let ip = self.peer.ip();
        if let Err(by) = self.ctx.failed_logins.take(ip) {
            return self.limited(
                by,
                "Too many failed logins from your address. Please wait a minute and try again.",
                "Too many failed logins right now. Please wait a minute and try again.",
            );
        }
        let (tx, rx) = oneshot::channel();
        let msg = GameMsg::ResumeSession {
            handle: self.handle,
            token,
            reply: tx,
        };
        if self.ctx.game.send(msg).await.is_err() {
            return Flow::Quit;
        }
        match rx.await {
            Ok(Some(bound)) => {
                self.ctx.failed_logins.refund(ip);
                self.enter(bound, false).await
            }
            Ok(None) => {
                self.ctx
                    .counters
                    .failed_logins
                    .fetch_add(1, Ordering::Relaxed);
                self.send_text("Resume failed: no such session.");
                Flow::Continue
            }
            Err(_) => Flow::Quit,
        }
    }

    /// Says which login limit refused an attempt, and counts it.
    fn limited(&self, by: Limited, mine: &str, everyone: &str) -> Flow {
        self.ctx
            .counters
            .login_limited
            .fetch_add(1, Ordering::Relaxed);
        self.send_text(match by {
            Limited::Address => mine,
            Limited::Everyone => everyone,
        });
        Flow::Continue
    }

    async fn connect(&mut self, name: String, password: String) -> Flow {
        let ip = self.peer.ip();
        // Every attempt counts before any hashing; a correct password is refunded.
        if let Err(by) = self.ctx.failed_logins.take(ip) {
            return self.limited(
                by,
                "Too many failed logins from your address. Please wait a minute and try again.",
                "Too many failed logins right now. Please wait a minute and try again.",
            );
        }
        let (tx, rx) = oneshot::channel();
        let lookup = GameMsg::Lookup {
            name: name.clone(),
            reply: tx,
        };
        if self.ctx.game.send(lookup).await.is_err() {
            return Flow::Quit;
        }
        let verified = match rx.await.ok().flatten() {
            Some((dbref, hash)) => self
                .ctx
                .hash_pool
                .verify(password, hash.clone())
                .await
                .then_some((dbref, hash)),
            None => None,
        };
        if let Some((dbref, hash)) = verified {
            self.ctx.failed_logins.refund(ip);
            return self.bind(dbref, Some(name), hash, false).await;
        }
        self.ctx
            .counters
            .failed_logins
            .fetch_add(1, Ordering::Relaxed);
        info!("failed login");
        self.send_text(BAD_LOGIN);
        Flow::Continue
    }

    async fn create(&mut self, name: String, password: String) -> Flow {
        if password.chars().count() < 3 {
            self.send_text("Please choose a password of at least 3 characters.");
            return Flow::Continue;
        }
        if self.refusing() && !self.ctx.wb.stats().store_up.load(Ordering::Relaxed) {
            self.send_text(CANNOT_LOG_IN);
            return Flow::Continue;
        }
        // A name that cannot be had costs no hashing and no share of the limit.
        let (tx, rx) = oneshot::channel();
        let check = GameMsg::CheckName {
            name: name.clone(),
            reply: tx,
        };
        if self.ctx.game.send(check).await.is_err() {
            return Flow::Quit;
        }
        match rx.await {
            Ok(Ok(())) => {}
            Ok(Err(why)) => {
                self.send_text(&why);
                return Flow::Continue;
            }
            Err(_) => return Flow::Quit,
        }
        if let Err(by) = self.ctx.creates.take(self.peer.ip()) {
            return self.limited(
                by,
                "Too many characters have been created from your address. Please try again later.",
                "Too many characters are being created right now. Please try again later.",
            );
        }
        let hash = match self.ctx.hash_pool.hash(password).await {
            Ok(h) => h,
            Err(e) => {
                warn!(error = %e, "cannot hash a new password");
                self.send_text("The game cannot create characters right now.");
                return Flow::Continue;
            }
        };
        let (tx, rx) = oneshot::channel();
        let msg = GameMsg::Create {
            name,
            hash: hash.clone(),
            reply: tx,
        };
        if self.ctx.game.send(msg).await.is_err() {
            return Flow::Quit;
        }
        match rx.await {
            Ok(Ok(dbref)) => self.bind(dbref, None, hash, true).await,
            Ok(Err(why)) => {
                self.send_text(&why);
                Flow::Continue
            }
            Err(_) => Flow::Quit,
        }
    }

    fn refusing(&self) -> bool {
        self.ctx.config.store.critical_write_failure == CriticalWriteFailure::Refuse
    }

    /// Binds the connection to `player`. The game makes the binding (it is the one
    /// writer of bindings), checking at that moment that the name still leads to the
    /// player and the password is still the one verified; the player gets in once the
    /// store has the binding.
    async fn bind(
        &mut self,
        player: Dbref,
        name: Option<String>,
        hash: String,
        created: bool,
    ) -> Flow {
        let (tx, rx) = oneshot::channel();
        let msg = GameMsg::Bind {
            handle: self.handle,
            player,
            name,
            hash,
            reply: tx,
        };
        if self.ctx.game.send(msg).await.is_err() {
            return Flow::Quit;
        }
        let bound = match rx.await {
            Ok(Ok(bound)) => bound,
            Ok(Err(())) => {
                info!(player = %player, "login refused: the player changed while logging in");
                self.send_text(BAD_LOGIN);
                return Flow::Continue;
            }
            Err(_) => return Flow::Quit,
        };
        self.enter(bound, created).await
    }

    /// Carries on once the game made the login: a new binding gets in once the store
    /// has it; a reattached link-dead session is taken over (its handle, its login).
    async fn enter(&mut self, bound: Bound, created: bool) -> Flow {
        let Bound {
            player,
            login_ms,
            reattached,
        } = bound;
        if let Some(session) = reattached {
            // The game dropped this connection's own row and replayed the session's
            // kept output into this connection's queue; it was announced long ago.
            self.handle = session;
            if let Err(e) = self.ctx.wb.critical(vec![]).await {
                warn!(error = %e, player = %player, "reattached session is queued, not yet written");
            }
            self.login = Some((player, login_ms));
            self.ctx.counters.logins.fetch_add(1, Ordering::Relaxed);
            self.stage = Stage::Playing;
            info!(player = %player, session, "reattached a link-dead session");
            return Flow::Continue;
        }
        if let Err(e) = self.ctx.wb.critical(vec![]).await {
            if self.refusing() {
                warn!(error = %e, player = %player, "login refused: the store cannot take the binding");
                let _ = self
                    .ctx
                    .game
                    .send(GameMsg::Unbind {
                        handle: self.handle,
                    })
                    .await;
                self.send_text(CANNOT_LOG_IN);
                return Flow::Continue;
            }
            warn!(error = %e, player = %player, "login binding is queued, not yet written");
        }
        write_history(&self.ctx, player, self.handle, login_ms, self.peer, None).await;
        self.login = Some((player, login_ms));
        self.ctx.counters.logins.fetch_add(1, Ordering::Relaxed);
        self.stage = Stage::Playing;
        info!(player = %player, created, "logged in");
        let _ = self
            .ctx
            .game
            .send(GameMsg::LoggedIn {
                handle: self.handle,
                player,
                created,
            })
            .await;
        Flow::Continue
    }

    /// Waits until the store has the logout (the game cleared the binding).
    pub(super) async fn unbind_record(&self) {
        if let Err(e) = self.ctx.wb.critical(vec![]).await {
            warn!(error = %e, "logout is queued, not yet written");
        }
    }
}
