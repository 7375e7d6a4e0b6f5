#!/bin/sh
# Installs what the tests need and runs them all: formatting, clippy, every
# cargo test (real servers started by the tests themselves), the UI type
# check and unit tests, the GUI end-to-end test under Xvfb, and the Linux
# packages (built in release mode; the .deb installed, started and removed).
# Works as root (CI) and as a normal user with sudo, on Debian 12 / Ubuntu 24.04.
set -eu
cd "$(dirname "$0")/.."
. scripts/lib.sh
started=$(date +%s)

check_toolchains
apt_install $BUILD_PACKAGES \
    xvfb xauth xclip desktop-file-utils appstream rpm rpmlint webkit2gtk-driver dbus dbus-x11 libsecret-1-0 \
    python3 python3-venv \
    apache2 apache2-utils lighttpd lighttpd-mod-webdav \
    php-cli php-xml php-mbstring php-sqlite3 php-sabre-dav php-sabre-vobject \
    rclone radicale cyrus-imapd cyrus-caldav cyrus-admin sasl2-bin \
    php8.2-cli php8.2-sqlite3 php8.2-xml php8.2-mbstring php8.2-gd php8.2-curl \
    php8.2-zip php8.2-intl php8.2-bcmath php8.2-gmp php8.2-opcache php-apcu zstd util-linux \
    redis-server php8.2-redis

# Xandikos (from PyPI) goes into target/test-venv: the harness makes it the
# first time a test needs it (tests/harness/src/servers.rs).

# The real Nextcloud: the harness installs it under target/nextcloud from the
# archive in ../shared/servers/nextcloud (or $CC_NEXTCLOUD_SERVER) and stops it
# when the last test process ends (tests/harness/src/nextcloud.rs). Where the
# archive is, its tests must run, not skip.
nc_server="${CC_NEXTCLOUD_SERVER:-../shared/servers/nextcloud}"
if [ -f "$nc_server/start.sh" ]; then
    export CC_REQUIRE_NEXTCLOUD=1
    step "real-Nextcloud tests: server from $nc_server"
else
    step "real-Nextcloud tests SKIPPED: no Nextcloud server at $nc_server (set CC_NEXTCLOUD_SERVER)"
fi

if ! command -v tauri-driver >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
    step "installing tauri-driver"
    cargo install tauri-driver --version '^2' --locked
fi

step "UI dependencies"
npm ci --prefix ui --no-audit --no-fund

step "cargo fmt --check"
cargo fmt --all -- --check

step "UI type check and unit tests"
npm --prefix ui run check
npm --prefix ui test

step "building the UI"
npm --prefix ui run build

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --features commonscloud-desktop/custom-protocol -- -D warnings

step "cargo test (engine crates and real-server tests)"
cargo test --workspace --exclude commonscloud-desktop --exclude cc-e2e

step "building the desktop app with the UI embedded"
cargo build -p commonscloud-desktop --features custom-protocol
# The shell's own unit tests (tray icon states): only the shell's crate is
# compiled again, its dependencies come from the build above.
cargo test -p commonscloud-desktop --features custom-protocol --lib

# The GUI tests' session bus, and what it starts for the app (the
# accessibility bus, dconf), get a home of their own: they write their
# caches there, not into the home of whoever runs the tests. The tests
# themselves (cargo, rustup) get the real home back.
bus_home=$(mktemp -d)
gui() {
    HOME="$bus_home" XDG_CACHE_HOME="$bus_home/.cache" \
        xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
        env HOME="$HOME" XDG_CACHE_HOME="${XDG_CACHE_HOME:-$HOME/.cache}" "$@"
}

step "GUI end-to-end test under Xvfb"
gui cargo test -p cc-e2e

step "the packages: built in release mode, the .deb installed, started, removed"
./scripts/package.sh --bundles deb,rpm
# Exported, not on the command line: the test looks for the app's
# processes by their command lines.
CC_APP_BINARY=/usr/bin/commonscloud-desktop
export CC_APP_BINARY
gui cargo test -p cc-e2e --test package -- --ignored
unset CC_APP_BINARY
rm -rf "$bus_home"

step "all tests passed in $(( $(date +%s) - started )) s"
