#!/bin/sh
# rclone `serve webdav` on 127.0.0.1:$PORT, WebDAV root /dav/ (= $ROOT/data).
# Env: ROOT PORT DAV_USER DAV_PASS. Root not needed.
# Sloppy on purpose (negative tests): ignores If-Match / If-None-Match.
set -eu
: "${ROOT:?}" "${PORT:?}" "${DAV_USER:?}" "${DAV_PASS:?}"

chmod 0755 "$ROOT"
mkdir -p "$ROOT/data" "$ROOT/run" "$ROOT/logs" "$ROOT/cache"
# An empty config of our own: rclone then never reads ~/.config/rclone.
: > "$ROOT/run/rclone.conf"
export RCLONE_CONFIG="$ROOT/run/rclone.conf"
export XDG_CACHE_HOME="$ROOT/cache"

exec rclone serve webdav "$ROOT/data" \
    --addr "127.0.0.1:$PORT" \
    --baseurl /dav \
    --user "$DAV_USER" --pass "$DAV_PASS" \
    --cache-dir "$ROOT/cache" \
    --log-level NOTICE
