#!/bin/sh
# Radicale 3 on 127.0.0.1:$PORT. Principal and calendar/address book home:
# /$DAV_USER/ (discovery via / or /.well-known/caldav|carddav -> /).
# Storage: $ROOT/collections/collection-root/$DAV_USER/<collection>/ (can be
# filled with .ics/.vcf files before start for large fixtures).
# Env: ROOT PORT DAV_USER DAV_PASS. Root not needed (no privilege drop).
set -eu
: "${ROOT:?}" "${PORT:?}" "${DAV_USER:?}" "${DAV_PASS:?}"

esc() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

chmod 0755 "$ROOT"
mkdir -p "$ROOT/collections" "$ROOT/auth" "$ROOT/run" "$ROOT/logs"

# htpasswd "plain": user:password, one a line.
printf '%s:%s\n' "$DAV_USER" "$DAV_PASS" > "$ROOT/auth/users"
chmod 0600 "$ROOT/auth/users"

sed -e "s|@ROOT@|$(esc "$ROOT")|g" -e "s|@PORT@|$PORT|g" "$ROOT/conf/radicale.conf.in" \
    > "$ROOT/run/radicale.conf"

# --config with our file only: /etc/radicale/config and ~/.config/radicale
# are then not read (Debian's sets auth type remote_user).
export RADICALE_CONFIG="$ROOT/run/radicale.conf"
exec /usr/bin/radicale --config "$ROOT/run/radicale.conf"
