#!/bin/sh
# sabre/dav 1.8 CalDAV + CardDAV (PDO SQLite) on `php -S 127.0.0.1:$PORT`.
# Env: ROOT PORT DAV_USER DAV_PASS. Root not needed (no privilege drop).
set -eu
: "${ROOT:?}" "${PORT:?}" "${DAV_USER:?}" "${DAV_PASS:?}"
export ROOT DAV_USER DAV_PASS

chmod 0755 "$ROOT"
mkdir -p "$ROOT/var" "$ROOT/logs" "$ROOT/auth" "$ROOT/tmp"

PHPOPTS="-d display_errors=0 -d log_errors=1 -d error_log=$ROOT/logs/php-errors.log"
php $PHPOPTS "$ROOT/conf/init-db.php"

export PHP_CLI_SERVER_WORKERS="${PHP_CLI_SERVER_WORKERS:-4}"
exec php \
    -d display_errors=0 -d log_errors=1 -d error_log="$ROOT/logs/php-errors.log" \
    -d 'error_reporting=E_ALL & ~E_DEPRECATED & ~E_STRICT' \
    -d upload_tmp_dir="$ROOT/tmp" -d sys_temp_dir="$ROOT/tmp" \
    -d post_max_size=0 -d upload_max_filesize=0 -d memory_limit=512M \
    -q -S "127.0.0.1:$PORT" "$ROOT/conf/server.php"
