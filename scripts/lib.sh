# Shared by scripts/run.sh and scripts/test.sh. POSIX sh.

# Root runs apt directly; anyone else through sudo.
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

step() { printf '\n==> %s\n' "$*"; }

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the Debian/Ubuntu packages given that are not installed yet.
# Services these packages ship (apache2, cyrus, lighttpd) are not started by
# the installation: the tests start their own instances on free ports.
apt_install() {
    missing=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    step "installing Debian packages:$missing"
    policy_created=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
        $SUDO chmod +x /usr/sbin/policy-rc.d
        policy_created=1
    fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # shellcheck disable=SC2086
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
    status=$?
    [ -n "$policy_created" ] && $SUDO rm -f /usr/sbin/policy-rc.d
    return $status
}

check_toolchains() {
    command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs), then open a new shell"
    command -v node >/dev/null || die "Node.js >= 20.19 not found: install it (https://nodejs.org or your distribution)"
    node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
        || die "Node.js $(node --version) is too old: the UI needs >= 20.19"
}

# What building and running the desktop app needs.
BUILD_PACKAGES="build-essential pkg-config curl file libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev libdbus-1-dev gnome-keyring"
