//! Any line a client can type at the login screen, through `login::parse`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mushd::session::login::{parse, LoginCommand};

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    let parsed = parse(&line);
    match &parsed {
        LoginCommand::Connect { name, password } | LoginCommand::Create { name, password } => {
            assert!(!name.is_empty() && !password.is_empty(), "{parsed:?}");
            assert_eq!(name.trim(), name);
            assert_eq!(password.trim(), password);
        }
        LoginCommand::Empty => assert!(line.trim().is_empty()),
        _ => {}
    }
    // Surrounding whitespace does not change the command.
    assert_eq!(parse(&format!(" \t{line}\u{a0} ")), parsed);
});
