//! The login screen: `connect`, `create`, `WHO`, `QUIT` and `MSSP-REQUEST`, handled in
//! the connection's own task so that slow password hashing never holds up the game.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

/// A login-screen command, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginCommand {
    Connect {
        name: String,
        password: String,
    },
    Create {
        name: String,
        password: String,
    },
    /// `resume <token>`: reattach the link-dead session holding the token.
    Resume {
        token: String,
    },
    Who,
    Quit,
    MsspRequest,
    Empty,
    /// Recognised word with missing arguments: the usage to show.
    Usage(&'static str),
    Unknown,
}

/// Splits `"Some Name" rest` or `name rest`.
fn name_and_rest(args: &str) -> Option<(String, String)> {
    let args = args.trim_start();
    if let Some(quoted) = args.strip_prefix('"') {
        let end = quoted.find('"')?;
        let name = quoted[..end].trim().to_string();
        let rest = quoted[end + 1..].trim().to_string();
        return Some((name, rest));
    }
    let mut parts = args.splitn(2, char::is_whitespace);
    let name = parts.next()?.trim().to_string();
    let rest = parts.next().unwrap_or("").trim().to_string();
    Some((name, rest))
}

pub fn parse(line: &str) -> LoginCommand {
    let line = line.trim();
    if line.is_empty() {
        return LoginCommand::Empty;
    }
    let (word, args) = match line.split_once(char::is_whitespace) {
        Some((w, a)) => (w, a),
        None => (line, ""),
    };
    match word.to_ascii_lowercase().as_str() {
        "connect" | "co" | "conn" => match name_and_rest(args) {
            Some((name, password)) if !name.is_empty() && !password.is_empty() => {
                LoginCommand::Connect { name, password }
            }
            _ => LoginCommand::Usage("Usage: connect <name> <password>  (quote a name with spaces: connect \"Some Name\" password)"),
        },
        "create" | "cr" => match name_and_rest(args) {
            Some((name, password)) if !name.is_empty() && !password.is_empty() => {
                LoginCommand::Create { name, password }
            }
            _ => LoginCommand::Usage("Usage: create <name> <password>"),
        },
        "resume" => match args.trim() {
            "" => LoginCommand::Usage("Usage: resume <token>"),
            token => LoginCommand::Resume {
                token: token.to_string(),
            },
        },
        "who" => LoginCommand::Who,
        "quit" => LoginCommand::Quit,
        "mssp-request" => LoginCommand::MsspRequest,
        _ => LoginCommand::Unknown,
    }
}

/// Hashes a password with argon2id; `memory_kib` is the cost from the config.
pub fn hash_password(password: &str, memory_kib: u32) -> Result<String, String> {
    let params = Params::new(memory_kib, 2, 1, None).map_err(|e| e.to_string())?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::generate(&mut OsRng);
    argon
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a stored PHC string; false for a malformed hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_login_commands() {
        assert_eq!(
            parse("connect \"Some Name\" my pass"),
            LoginCommand::Connect {
                name: "Some Name".into(),
                password: "my pass".into()
            }
        );
        assert_eq!(
            parse("CONNECT bob pw"),
            LoginCommand::Connect {
                name: "bob".into(),
                password: "pw".into()
            }
        );
        assert!(matches!(parse("connect bob"), LoginCommand::Usage(_)));
        assert!(matches!(parse("create \"x"), LoginCommand::Usage(_)));
        assert_eq!(parse("WHO"), LoginCommand::Who);
        assert_eq!(
            parse("resume 0af3"),
            LoginCommand::Resume {
                token: "0af3".into()
            }
        );
        assert!(matches!(parse("resume"), LoginCommand::Usage(_)));
        assert_eq!(parse("MSSP-REQUEST"), LoginCommand::MsspRequest);
        assert_eq!(parse("   "), LoginCommand::Empty);
        assert_eq!(parse("dance"), LoginCommand::Unknown);
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("secret", 64).expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("secret", &h));
        assert!(!verify_password("Secret", &h));
        assert!(!verify_password("secret", "not a hash"));
    }
}
