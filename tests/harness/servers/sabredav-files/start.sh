#!/bin/sh
# sabre/dav 1.8 (Sabre\DAV\FSExt tree) on `php -S 127.0.0.1:$PORT`.
# WebDAV root /dav/ (= $ROOT/data). Env: ROOT PORT DAV_USER DAV_PASS.
# Root not needed (it runs as whoever starts it; no privilege drop).
set -eu
: "${ROOT:?}" "${PORT:?}" "${DAV_USER:?}" "${DAV_PASS:?}"
export ROOT

chmod 0755 "$ROOT"
mkdir -p "$ROOT/data" "$ROOT/var" "$ROOT/logs" "$ROOT/auth" "$ROOT/tmp"

# users.json = {"DAV_USER":"DAV_PASS"}, JSON-encoded by PHP itself (no quoting issues).
php -r 'file_put_contents($argv[1], json_encode([getenv("DAV_USER") => getenv("DAV_PASS")]));' \
    "$ROOT/auth/users.json"
chmod 0600 "$ROOT/auth/users.json"

# Several workers so that parallel client requests are not serialised.
# Each keeps PHP's realpath cache between requests (120 s): a worker that
# once saw `thing` as a file fails (500, md5_file: no such file) on
# `thing/inside.txt` after another worker replaced the file by a folder.
# Nextcloud clears its stat caches itself; here the cache is off.
export PHP_CLI_SERVER_WORKERS="${PHP_CLI_SERVER_WORKERS:-4}"
exec php \
    -d display_errors=0 -d log_errors=1 -d error_log="$ROOT/logs/php-errors.log" \
    -d 'error_reporting=E_ALL & ~E_DEPRECATED & ~E_STRICT' \
    -d upload_tmp_dir="$ROOT/tmp" -d sys_temp_dir="$ROOT/tmp" \
    -d realpath_cache_size=0 \
    -d post_max_size=0 -d upload_max_filesize=0 -d memory_limit=512M \
    -q -S "127.0.0.1:$PORT" "$ROOT/conf/server.php"
