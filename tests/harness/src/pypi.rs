//! Python packages from PyPI for the tests that compare with another
//! implementation: one virtual environment per purpose under `target/`,
//! made once (under a lock shared by the test processes of a run) and
//! made again when the packages asked for change.

use std::path::PathBuf;
use std::process::Command;

/// The Python of `target/venv-<name>` with `packages` installed (pip
/// requirement strings). Panics with the command that makes it by hand
/// when it cannot be made (no `python3-venv`, no PyPI).
pub fn python_with(name: &str, packages: &[&str]) -> PathBuf {
    let target = crate::workspace_root().join("target");
    let venv = target.join(format!("venv-{name}"));
    let marker = venv.join(".cc-ready");
    let want = packages.join("\n");
    let ready = || std::fs::read_to_string(&marker).is_ok_and(|m| m == want);
    if !ready() {
        std::fs::create_dir_all(&target).expect("target/");
        let lock = std::fs::File::create(target.join(format!("venv-{name}.lock")))
            .expect("the venv's lock file");
        lock.lock().expect("lock the venv");
        if !ready() {
            let by_hand = format!(
                "python3 -m venv {v} && {v}/bin/pip install {p}",
                v = venv.display(),
                p = packages
                    .iter()
                    .map(|p| format!("'{p}'"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            let run = |cmd: &mut Command| {
                let out = cmd
                    .output()
                    .unwrap_or_else(|e| panic!("{cmd:?}: {e}\nmake it by hand: {by_hand}"));
                assert!(
                    out.status.success(),
                    "{cmd:?} failed: {}\nmake it by hand: {by_hand}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            };
            eprintln!(
                "harness: installing {packages:?} from PyPI into {}",
                venv.display()
            );
            let _ = std::fs::remove_dir_all(&venv);
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
            run(Command::new(venv.join("bin/pip"))
                .args([
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-cache-dir",
                    "--timeout",
                    "60",
                ])
                .args(packages));
            std::fs::write(&marker, &want).expect("the venv's marker");
        }
    }
    venv.join("bin/python")
}
