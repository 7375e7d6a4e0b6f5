#!/bin/sh
# Builds the release packages: the UI, the `commonscloud` command with its
# manual page and shell completions (generated from its clap definition),
# and the desktop app, bundled by Tauri with both. The packages land in
# target/release/bundle/ (deb/, rpm/, ...).
#
# Usage: ./scripts/package.sh [--bundles deb,rpm]     (default: deb,rpm)
# Run by ./scripts/test.sh (which installs the build packages first) and by
# .github/workflows/release.yml on each system.
set -eu
cd "$(dirname "$0")/.."
bundles=deb,rpm
if [ "${1:-}" = "--bundles" ]; then
    bundles="$2"
fi

[ -d ui/node_modules ] || npm ci --prefix ui --no-audit --no-fund

echo "==> the manual page and shell completions"
# Text from the command's clap definition: the debug build (the tests built
# it already) writes the same as a release one would.
cargo build -p cc-cli
assets=target/package-assets
mkdir -p "$assets"
cli=target/debug/commonscloud
"$cli" manpage | gzip -9n > "$assets/commonscloud.1.gz"
"$cli" completions bash > "$assets/commonscloud.bash"
"$cli" completions zsh > "$assets/_commonscloud"
"$cli" completions fish > "$assets/commonscloud.fish"

echo "==> the UI"
npm --prefix ui run build

echo "==> the desktop app and its packages ($bundles)"
# tauri build builds the app in release mode with the UI embedded, then
# bundles it (the UI is built above: its beforeBuildCommand would run in
# ui/, where `--prefix ui` does not hold).
# With the updater's private key in the environment (the release workflow,
# on Windows and macOS), the installers are signed for the updater too
# (`.sig` beside each): the key never is in the repository.
config='{"build": {"beforeBuildCommand": ""}}'
if [ -n "${TAURI_SIGNING_PRIVATE_KEY:-}" ]; then
    config='{"build": {"beforeBuildCommand": ""}, "bundle": {"createUpdaterArtifacts": true}}'
fi
npx --prefix ui tauri build --ci --bundles "$bundles" --config "$config" </dev/null

# The .deb once more with dpkg-deb, Debian's own packer: `commonscloud` as
# a link to the desktop binary (which is the command line under that name:
# one copy of the engine), and xz as Debian compresses (tauri's gzip makes
# it a third larger).
for deb in target/release/bundle/deb/*.deb; do
    [ -e "$deb" ] || continue
    tree=target/package-assets/deb-tree
    rm -rf "$tree"
    dpkg-deb -R "$deb" "$tree"
    ln -sf commonscloud-desktop "$tree/usr/bin/commonscloud"
    dpkg-deb --root-owner-group -Zxz -b "$tree" "$deb" >/dev/null
    rm -rf "$tree"
done
ls -l target/release/bundle/*/
