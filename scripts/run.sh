#!/bin/sh
# Installs what is missing, builds CommonsCloud Desktop and runs it.
# Works as root and as a normal user with sudo, on Debian 12 / Ubuntu 24.04.
set -eu
cd "$(dirname "$0")/.."
. scripts/lib.sh

check_toolchains
apt_install $BUILD_PACKAGES
step "building the UI"
npm ci --prefix ui --no-audit --no-fund
npm --prefix ui run build
step "building the app (release; the first build takes about 10 minutes on 2 cores)"
cargo build --release -p commonscloud-desktop --features custom-protocol
step "starting CommonsCloud"
exec ./target/release/commonscloud-desktop "$@"
