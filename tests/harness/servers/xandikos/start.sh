#!/bin/sh
# Xandikos (from the venv python $XANDIKOS_PYTHON) behind a stdlib Python
# Basic-auth proxy. The proxy listens on 127.0.0.1:$PORT; Xandikos listens
# on the unix socket $ROOT/run/xandikos.sock (no second TCP port needed).
# Principal: /$DAV_USER/, calendar home /$DAV_USER/calendars/, address book
# home /$DAV_USER/contacts/; defaults created: .../calendars/calendar/ and
# .../contacts/addressbook/. Data (git repos): $ROOT/xandikos/.
# Env: ROOT PORT DAV_USER DAV_PASS XANDIKOS_PYTHON. Root not needed.
set -eu
: "${ROOT:?}" "${PORT:?}" "${DAV_USER:?}" "${DAV_PASS:?}" "${XANDIKOS_PYTHON:?}"
export DAV_USER DAV_PASS

chmod 0755 "$ROOT"
mkdir -p "$ROOT/xandikos" "$ROOT/run" "$ROOT/logs" "$ROOT/state"
# Keep Xandikos' state (XDG_DATA_HOME/xandikos) inside ROOT.
export XDG_DATA_HOME="$ROOT/state" HOME="$ROOT/state"

# A relative socket path (run from $ROOT/run) avoids the 108-byte limit of
# unix socket paths when ROOT is deep.
cd "$ROOT/run"
rm -f xandikos.sock
"$XANDIKOS_PYTHON" -m xandikos serve \
    -d "$ROOT/xandikos" \
    --current-user-principal "/$DAV_USER/" \
    --defaults \
    --no-detect-systemd \
    -l ./xandikos.sock \
    >>"$ROOT/logs/xandikos.log" 2>&1 &
XPID=$!

# The proxy binds $PORT only when Xandikos answers on its socket; it stops
# Xandikos on SIGTERM and exits if Xandikos dies. Both are in this process
# group, so the harness' group kill stops everything.
exec "$XANDIKOS_PYTHON" "$ROOT/conf/auth_proxy.py" \
    --listen "$PORT" --upstream-socket ./xandikos.sock --upstream-pid "$XPID"
