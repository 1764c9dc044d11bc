#!/usr/bin/env bash
# The main job on the bundled demo site, end to end: serve data/site/ on
# loopback, crawl it into an index, start gazette-searchd on that index,
# search it for "city diplomacy", and stop what was started.  The index is
# kept in build/demo/index for further searching with
#   bin/gazette search --index build/demo/index QUERY
set -eu
cd "$(dirname "$0")/.."
BINDIR=${BINDIR:-bin}
PYTHON=${PYTHON:-/usr/bin/python3}
QUERY=${QUERY:-city diplomacy}
work=build/demo
pids=()

cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Wait up to 10 seconds for a file to appear and be non-empty.
wait_for_file() {
	for _ in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "demo: $2 did not start" >&2
	exit 1
}

rm -rf "$work"
mkdir -p "$work"

echo "== serving the demo site (data/site) on 127.0.0.1"
"$PYTHON" tests/e2e/siteserver.py --root data/site --port 0 \
	--port-file "$work/site.port" --log "$work/site-requests.log" >/dev/null &
pids+=($!)
wait_for_file "$work/site.port" "the demo web server"
site="127.0.0.1:$(cat "$work/site.port")"

sed -e "s|@SITE@|$site|g" -e "s|@INDEX@|$work/index|g" data/demo.conf >"$work/demo.conf"

echo "== crawling http://$site/ into $work/index"
"$BINDIR/gazette-indexer" crawl --quiet --config "$work/demo.conf"

echo "== starting gazette-searchd"
"$BINDIR/gazette-searchd" --config "$work/demo.conf" --listen 127.0.0.1:0 \
	--port-file "$work/searchd.port" 2>"$work/searchd.log" &
pids+=($!)
wait_for_file "$work/searchd.port" "gazette-searchd"
port=$(cat "$work/searchd.port")

echo "== gazette search \"$QUERY\""
echo
"$BINDIR/gazette" search --connect "127.0.0.1:$port" "$QUERY"
echo
echo "The index stays in $work/index; search it without the daemon with:"
echo "  $BINDIR/gazette search --index $work/index 'source:\"Global Times\" date:2013..2014'"
