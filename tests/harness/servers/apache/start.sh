#!/bin/sh
# Apache 2.4 + mod_dav_fs on 127.0.0.1:$PORT, WebDAV root /dav/ (= $ROOT/data).
# Env: ROOT PORT DAV_USER DAV_PASS. Root not needed (as root the server
# drops to www-data and $ROOT/data is chowned to it).
set -eu
: "${ROOT:?}" "${PORT:?}" "${DAV_USER:?}" "${DAV_PASS:?}"
CONF="$ROOT/conf"

# sed replacement-safe escaping of a value (for the | delimiter).
esc() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

chmod 0755 "$ROOT"
mkdir -p "$ROOT/data" "$ROOT/var" "$ROOT/run" "$ROOT/logs" "$ROOT/auth" "$ROOT/empty"

htpasswd -bc "$ROOT/auth/htpasswd" "$DAV_USER" "$DAV_PASS" 2>/dev/null
chmod 0644 "$ROOT/auth/htpasswd"

if [ "$(id -u)" = 0 ]; then
    USERGROUP='User www-data
Group www-data'
    chown -R www-data:www-data "$ROOT/data" "$ROOT/var"
else
    USERGROUP='# not root: runs as the invoking user'
fi

sed -e "s|@ROOT@|$(esc "$ROOT")|g" -e "s|@PORT@|$PORT|g" "$CONF/httpd.conf.in" |
    awk -v ug="$USERGROUP" '$0 == "@USERGROUP@" { print ug; next } { print }' \
    > "$ROOT/run/httpd.conf"

# A Nextcloud stand-in for the GUI test: with PROXY_TO (the replay server
# of the real Nextcloud recordings) and DAV_ALIAS (e.g.
# /remote.php/dav/files/ana), the files are served by mod_dav_fs at
# DAV_ALIAS and everything else is passed to the replay server, so one
# address answers like a Nextcloud with real WebDAV for the files. A GET
# that asks for a folder archive (Accept: application/x-tar or zip, which
# mod_dav_fs cannot make) is passed to the replay server too, where only
# the recorded archive answers match.
rm -f "$ROOT/run/extra-front.conf"
if [ -n "${PROXY_TO:-}" ]; then
    : "${DAV_ALIAS:?}"
    cat > "$ROOT/run/extra-front.conf" <<EOF
LoadModule proxy_module      /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
LoadModule rewrite_module    /usr/lib/apache2/modules/mod_rewrite.so
Alias "$DAV_ALIAS" "$ROOT/data"
RewriteEngine On
RewriteCond %{REQUEST_METHOD} =GET
RewriteCond %{HTTP:Accept} ^application/(x-tar|zip)
RewriteRule "^($DAV_ALIAS/.*)\$" "$PROXY_TO\$1" [P]
ProxyPass "$DAV_ALIAS" "!"
ProxyPass "/" "$PROXY_TO/"
ProxyPassReverse "/" "$PROXY_TO/"
EOF
    # PROXY_PUT (a path pattern below DAV_ALIAS, e.g. Llegir/de-ana\.txt):
    # PUTs there are answered by the replay server too (a refusal recorded
    # on the real server), everything else by Apache.
    if [ -n "${PROXY_PUT:-}" ]; then
        cat >> "$ROOT/run/extra-front.conf" <<EOF
RewriteCond %{REQUEST_METHOD} =PUT
RewriteRule "^($DAV_ALIAS/$PROXY_PUT)\$" "$PROXY_TO\$1" [P]
EOF
    fi
fi

# -DFOREGROUND: the master stays in the foreground, children share its
# process group, so killing the group stops everything.
exec /usr/sbin/apache2 -f "$ROOT/run/httpd.conf" -DFOREGROUND
