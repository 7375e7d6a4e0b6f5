#!/bin/sh
# Cyrus IMAP 3.6 httpd (CalDAV + CardDAV) on 127.0.0.1:$PORT.
#   principal        /dav/principals/user/$DAV_USER/
#   calendar home    /dav/calendars/user/$DAV_USER/     (Default/ created on first use)
#   address book home /dav/addressbooks/user/$DAV_USER/ (Default/ created on first use)
# IMAP listens only on a unix socket under $ROOT (no second TCP port).
# Env: ROOT PORT DAV_USER DAV_PASS. As root, services run as user "cyrus";
# as a normal user, cyrus_user is set to that user.
set -eu
: "${ROOT:?}" "${PORT:?}" "${DAV_USER:?}" "${DAV_PASS:?}"
export DAV_USER DAV_PASS

BIN=/usr/lib/cyrus/bin
C="$ROOT/cyrus"
RUN="$ROOT/run"
IMAPDCONF="$RUN/imapd.conf"

esc() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

chmod 0755 "$ROOT"
mkdir -p "$C/config" "$C/config/socket" "$C/spool" "$C/sieve" "$C/tmp" "$C/socket" "$RUN" "$ROOT/logs"

# unix socket paths are limited to 107 bytes
if [ ${#C} -gt 90 ]; then
    echo "cyrus/start.sh: ROOT too long for unix socket paths (max ~84 chars): $ROOT" >&2
    exit 1
fi

if [ "$(id -u)" = 0 ]; then
    CYRUSUSER='cyrus_user: cyrus'
    OWNER=cyrus:mail
else
    CYRUSUSER="cyrus_user: $(id -un)"
    OWNER=
fi

subst() {
    sed -e "s|@ROOT@|$(esc "$ROOT")|g" -e "s|@PORT@|$PORT|g" \
        -e "s|@IMAPDCONF@|$(esc "$IMAPDCONF")|g" -e "s|@CYRUSUSER@|$(esc "$CYRUSUSER")|g" "$1"
}
subst "$ROOT/conf/imapd.conf.in" > "$IMAPDCONF"
# phase 1: IMAP only (mailbox creation); phase 2: IMAP + HTTP
subst "$ROOT/conf/cyrus.conf.in" | sed -e '/@HTTPSERVICE@/d' > "$RUN/cyrus-setup.conf"
subst "$ROOT/conf/cyrus.conf.in" | sed -e "s|@HTTPSERVICE@|    http        cmd=\"$BIN/httpd -C $(esc "$IMAPDCONF") -U 30\" listen=\"127.0.0.1:$PORT\" prefork=0 maxchild=20|" \
    > "$RUN/cyrus.conf"
chmod 0644 "$IMAPDCONF" "$RUN/cyrus.conf" "$RUN/cyrus-setup.conf"

# sasldb with the one user (realm = servername "localhost")
printf '%s' "$DAV_PASS" | saslpasswd2 -p -c -f "$C/sasldb2" -u localhost "$DAV_USER"

if [ -n "$OWNER" ]; then
    chown -R "$OWNER" "$C"
    chmod 0640 "$C/sasldb2"
else
    chmod 0600 "$C/sasldb2"
fi

# Phase 1: master with IMAP on the unix socket only; one login creates the
# user's INBOX (autocreate_quota: 0); then stop it.
$BIN/master -C "$IMAPDCONF" -M "$RUN/cyrus-setup.conf" -p "$RUN/master-setup.pid" -D \
    >>"$ROOT/logs/master-setup.log" 2>&1 &
MPID=$!
trap 'kill $MPID 2>/dev/null || true' EXIT INT TERM
if ! perl "$ROOT/conf/imap-login.pl" "$C/socket/imap"; then
    echo "cyrus/start.sh: IMAP login for $DAV_USER failed (mailbox not created)" >&2
    exit 1
fi
kill -TERM $MPID
wait $MPID || true
trap - EXIT INT TERM
rm -f "$C/socket/imap" "$RUN/master-setup.pid"

# Phase 2: the real server, in the foreground.
exec $BIN/master -C "$IMAPDCONF" -M "$RUN/cyrus.conf" -p "$RUN/master.pid" -D
