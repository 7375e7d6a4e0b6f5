//! `commonscloud sync` and `status` as a member runs them, against a real
//! lighttpd: exit codes, the listed leftovers, the mass-delete refusal.

use std::process::Command;

use cc_harness::servers::{Kind, Server};

fn run(state: &std::path::Path, server: &Server, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_commonscloud"))
        .arg("--state")
        .arg(state)
        .args(args)
        .env("COMMONSCLOUD_PASSWORD", server.password())
        .envs(cc_harness::home_env(&state.with_file_name("home")))
        .output()
        .unwrap()
}

#[test]
fn sync_once_status_conflicts_and_the_mass_delete_guard() {
    let server = Server::start(Kind::Lighttpd);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    std::fs::create_dir(&local).unwrap();
    for i in 0..60 {
        std::fs::write(local.join(format!("f{i:02}.txt")), format!("file {i}")).unwrap();
    }
    std::fs::write(local.join("CON"), "reserved on Windows").unwrap();
    let state = dir.path().join("state.sqlite3");
    let remote = server.files_url();
    let base = [
        "sync",
        "--once",
        "--local",
        local.to_str().unwrap(),
        "--remote",
        &remote,
        "--user",
        server.user(),
    ];

    // First sync: everything goes up, but CON cannot: exit 10, listed.
    let out = run(&state, &server, &base);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(10), "{stderr}");
    assert!(stderr.contains("not synced: CON"), "{stderr}");
    assert!(server.root().join("data/f59.txt").exists());
    assert!(!server.root().join("data/CON").exists());

    // Without the unsyncable name, the next run is clean.
    std::fs::remove_file(local.join("CON")).unwrap();
    let out = run(&state, &server, &base);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("in sync"));

    // The member empties the folder: the guard refuses (exit 11) and the
    // server keeps everything.
    for i in 0..60 {
        std::fs::remove_file(local.join(format!("f{i:02}.txt"))).unwrap();
    }
    let out = run(&state, &server, &base);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(11), "{stderr}");
    assert!(stderr.contains("--allow-mass-delete"), "{stderr}");
    assert!(server.root().join("data/f00.txt").exists());
    let st = run(&state, &server, &["status"]);
    assert!(
        String::from_utf8_lossy(&st.stdout).contains("last pass stopped"),
        "{st:?}"
    );

    // Allowed explicitly: the deletions go through.
    let mut allow = base.to_vec();
    allow.push("--allow-mass-delete");
    let out = run(&state, &server, &allow);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!server.root().join("data/f00.txt").exists());
    let st = run(&state, &server, &["status"]);
    assert!(st.status.success(), "{st:?}");
    assert!(String::from_utf8_lossy(&st.stdout).contains("up to date"));
}

#[test]
fn no_password_and_no_folder_are_usage_errors() {
    let server = Server::start(Kind::Lighttpd);
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_commonscloud"))
        .args([
            "--state",
            dir.path().join("s.db").to_str().unwrap(),
            "sync",
            "--once",
        ])
        .args([
            "--local",
            dir.path().to_str().unwrap(),
            "--remote",
            &server.files_url(),
            "--user",
            "ana",
        ])
        .env_remove("COMMONSCLOUD_PASSWORD")
        .envs(cc_harness::home_env(&dir.path().join("home")))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("COMMONSCLOUD_PASSWORD"));
    let out = run(
        &dir.path().join("s.db"),
        &server,
        &[
            "sync",
            "--once",
            "--local",
            "/nonexistent/x",
            "--remote",
            &server.files_url(),
            "--user",
            "ana",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}

/// A small folder emptied on the server (five files, all gone): the CLI
/// refuses to delete them here, with the exit code of refused deletions,
/// however few they are.
#[test]
fn a_folder_emptied_on_the_server_is_refused_whatever_its_size() {
    let server = Server::start(Kind::Lighttpd);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    std::fs::create_dir(&local).unwrap();
    for i in 0..5 {
        std::fs::write(local.join(format!("f{i}.txt")), format!("file {i}")).unwrap();
    }
    let state = dir.path().join("state.sqlite3");
    let remote = server.files_url();
    let base = [
        "sync",
        "--once",
        "--local",
        local.to_str().unwrap(),
        "--remote",
        &remote,
        "--user",
        server.user(),
    ];
    let out = run(&state, &server, &base);
    assert!(out.status.success(), "{out:?}");
    for i in 0..5 {
        std::fs::remove_file(server.root().join(format!("data/f{i}.txt"))).unwrap();
    }
    let out = run(&state, &server, &base);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(11), "{stderr}");
    assert!(stderr.contains("5 of 5"), "{stderr}");
    for i in 0..5 {
        assert!(local.join(format!("f{i}.txt")).exists(), "f{i}.txt deleted");
    }
}
