//! The command line: check-config reports errors with file, line and key.

use std::process::Command;

fn mushd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mushd"))
}

#[test]
fn check_config_accepts_the_shipped_config() {
    let out = mushd()
        .args([
            "check-config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config/mushd.toml"),
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("listen = [\"0.0.0.0:4201\"]"), "{text}");
    assert!(text.contains("backend = \"embedded\""), "{text}");
}

#[test]
fn check_config_accepts_the_docker_config() {
    let out = mushd()
        .args([
            "check-config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config/docker.toml"),
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("backend = \"redis\""));
}

#[test]
fn check_config_names_file_line_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[server]\nname = \"x\"\n\n[limits]\nmax_conections = 5\n",
    )
    .expect("write");
    let out = mushd()
        .arg("check-config")
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml"), "{err}");
    assert!(err.contains("line 5"), "{err}");
    assert!(err.contains("max_conections"), "{err}");

    std::fs::write(&path, "[limits]\nmax_line_bytes = 10\n").expect("write");
    let out = mushd()
        .arg("check-config")
        .arg(&path)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("limits.max_line_bytes"), "{err}");

    let out = mushd()
        .args(["check-config", "/nonexistent/mushd.toml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}
