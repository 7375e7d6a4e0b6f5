#!/usr/bin/env python3
"""Writes the updater's manifest (`latest.json`) for a release.

Tauri's updater (Windows, macOS) asks the provider profile's
`[updates] endpoint` for this file; it names, per system, the installer to
fetch and its signature (the `.sig` that `tauri build` writes beside each
installer when TAURI_SIGNING_PRIVATE_KEY is set). The app installs it only if
the signature matches the public key in src-tauri/tauri.conf.json.

Usage: manifest.py VERSION BASE_URL ASSETS_DIR [NOTES_FILE] > latest.json
  BASE_URL   where the release's files can be downloaded, e.g.
             https://github.com/commonscloud/commonscloud-desktop/releases/download/v0.2.0
  ASSETS_DIR the release's files (installers and their .sig)
"""
import datetime
import json
import pathlib
import sys

# Installer name endings -> the updater's platform keys (Tauri's
# `{os}-{arch}`): the NSIS installer for Windows, the .app archive for macOS.
PLATFORMS = [
    ("_x64-setup.exe", ["windows-x86_64"]),
    ("_arm64-setup.exe", ["windows-aarch64"]),
    ("_x64.app.tar.gz", ["darwin-x86_64"]),
    ("_aarch64.app.tar.gz", ["darwin-aarch64"]),
    (".app.tar.gz", ["darwin-aarch64", "darwin-x86_64"]),
]


def manifest(version, base_url, assets, notes=""):
    platforms = {}
    for path in sorted(assets.iterdir()):
        sig = path.with_name(path.name + ".sig")
        if not sig.exists():
            continue
        for ending, keys in PLATFORMS:
            if path.name.endswith(ending):
                for key in keys:
                    platforms.setdefault(
                        key,
                        {
                            "signature": sig.read_text().strip(),
                            "url": f"{base_url.rstrip('/')}/{path.name}",
                        },
                    )
                break
    if not platforms:
        raise SystemExit(f"no signed installer in {assets}")
    return {
        "version": version.lstrip("v"),
        "notes": notes,
        "pub_date": datetime.datetime.now(datetime.timezone.utc)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z"),
        "platforms": platforms,
    }


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    notes = pathlib.Path(sys.argv[4]).read_text() if len(sys.argv) == 5 else ""
    json.dump(manifest(sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), notes), sys.stdout, indent=2)
    print()
