#!/bin/sh
# Start-up of a desktop program to its window, and its memory 10 s later:
#   scripts/bench-startup.sh WINDOW-NAME-PATTERN COMMAND...
# A fresh Xvfb and an empty home each time; polls `xwininfo -root -tree`
# every 20 ms; then sums the PSS of the program's processes (and WebKit's).
# Used for the packages section of docs/benchmarks.md, e.g.
#   scripts/bench-startup.sh '"CommonsCloud"' target/release/commonscloud-desktop
#   scripts/bench-startup.sh '"nextcloud' /usr/bin/nextcloud
pat="$1"; shift
D=:$((70 + $$ % 20))
Xvfb $D -screen 0 1280x800x24 >/dev/null 2>&1 & X=$!
sleep 1
H=$(mktemp -d)
start=$(date +%s%N)
( cd "$H" && HOME=$H XDG_CONFIG_HOME=$H/.config XDG_DATA_HOME=$H/.local/share XDG_CACHE_HOME=$H/.cache COMMONSCLOUD_STATE=$H/state.sqlite3 DISPLAY=$D dbus-run-session -- "$@" >/dev/null 2>&1 ) & P=$!
while ! xwininfo -root -tree -display $D 2>/dev/null | grep -qiE "$pat"; do
  now=$(date +%s%N); [ $(( (now-start)/1000000 )) -gt 30000 ] && { echo "no window"; break; }
  sleep 0.02
done
now=$(date +%s%N); echo "window after $(( (now-start)/1000000 )) ms"
sleep 10
total=0
for pid in $(pgrep -f "$1" ; pgrep -f WebKit); do
  v=$(awk '/^Pss:/{print $2}' /proc/$pid/smaps_rollup 2>/dev/null); [ -n "$v" ] && total=$((total + v))
done
echo "PSS after 10 s: $((total/1024)) MiB"
pkill -f "$1"; pkill -f WebKitWebProcess; pkill -f WebKitNetworkProcess
kill $X; rm -rf "$H"
