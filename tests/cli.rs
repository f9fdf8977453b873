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

#[test]
fn serve_refuses_a_data_directory_it_cannot_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A regular file where a directory should be: no user, root included, can write there.
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "x").expect("write");
    let config = dir.path().join("mushd.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = [\"127.0.0.1:0\"]\n[store]\ndata_dir = \"{}\"\n",
            blocker.join("data").display()
        ),
    )
    .expect("write");
    let out = mushd()
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("data directory"), "{err}");
    assert!(err.contains("store.data_dir"), "{err}");
}

/// The image is checked without a Docker engine (none on these machines): the data
/// volume's directory exists and belongs to the user mushd runs as before `VOLUME`
/// (Docker would otherwise create it owned by root), and every workspace crate is
/// copied into the build stage.
#[test]
fn dockerfile_creates_a_writable_data_volume() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile"))
        .expect("Dockerfile");
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("the Dockerfile lacks {needle:?}"))
    };
    let volume = at("VOLUME [\"/var/lib/mushd/data\"]");
    assert!(at("mkdir -p /var/lib/mushd/data") < volume);
    assert!(at("chown mushd:mushd /var/lib/mushd/data") < volume);
    assert!(at("USER mushd") < at("ENTRYPOINT"));
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml");
    let members = manifest
        .lines()
        .find(|l| l.starts_with("members"))
        .expect("workspace members");
    for member in members.split('"').skip(1).step_by(2).filter(|m| *m != ".") {
        at(&format!("COPY {member} ./{member}"));
    }
}
