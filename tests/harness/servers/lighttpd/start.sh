#!/bin/sh
# lighttpd 1.4 + mod_webdav on 127.0.0.1:$PORT, WebDAV root /dav/ (= $ROOT/data).
# Env: ROOT PORT DAV_USER DAV_PASS. Root not needed (as root the server
# drops to www-data and the data/var/tmp folders are chowned to it).
set -eu
: "${ROOT:?}" "${PORT:?}" "${DAV_USER:?}" "${DAV_PASS:?}"
CONF="$ROOT/conf"

esc() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

chmod 0755 "$ROOT"
mkdir -p "$ROOT/data" "$ROOT/var" "$ROOT/tmp" "$ROOT/run" "$ROOT/logs" "$ROOT/auth" "$ROOT/empty"

htpasswd -bc "$ROOT/auth/htpasswd" "$DAV_USER" "$DAV_PASS" 2>/dev/null
chmod 0644 "$ROOT/auth/htpasswd"

if [ "$(id -u)" = 0 ]; then
    USERGROUP='server.username = "www-data"
server.groupname = "www-data"'
    chown -R www-data:www-data "$ROOT/data" "$ROOT/var" "$ROOT/tmp" "$ROOT/logs"
else
    USERGROUP='# not root: runs as the invoking user'
fi

sed -e "s|@ROOT@|$(esc "$ROOT")|g" -e "s|@PORT@|$PORT|g" "$CONF/lighttpd.conf.in" |
    awk -v ug="$USERGROUP" '$0 == "@USERGROUP@" { print ug; next } { print }' \
    > "$ROOT/run/lighttpd.conf"

# -D: do not daemonise.
exec /usr/sbin/lighttpd -D -f "$ROOT/run/lighttpd.conf"
