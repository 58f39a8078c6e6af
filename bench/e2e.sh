#!/usr/bin/env bash
# e2e.sh — issue 4's end-to-end target, in one run on loopback: requests per
# second of GET /protected for a logged-in user, served by the real notes
# binary (embedded SQLite by default), against cmd/bareserver, a bare net/http
# handler rendering the same page. Target: notes >= 75% of bare.
#
#   cd bench && ./e2e.sh                         # defaults below
#   DURATION=15s ROUNDS=5 CONNS=64 ./e2e.sh
#   NOTES_ARGS="-store memory" ./e2e.sh          # another session store
#   BARE_ARGS=-security-headers ./e2e.sh         # bare also sends notes' header set
#   PROFILE=/tmp/notes.pprof ./e2e.sh            # also profile notes (cmd/notesprof)
#
# Rounds alternate bare and notes (ABBA) so that background load hits both
# alike; the verdict is the median of the per-round ratios (the ratio of the
# two medians is printed too). Needs wrk (apt-get install -y wrk) and curl.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}
NOTES_PORT=${NOTES_PORT:-18080}
BARE_PORT=${BARE_PORT:-18091}
NOTES_ARGS=${NOTES_ARGS:-}
BARE_ARGS=${BARE_ARGS:-}
PROFILE=${PROFILE:-}
EMAIL=bench-$RANDOM@example.com
PASSWORD="e2e bench passphrase $RANDOM$RANDOM"

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3)"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"

go build -o "$work/bareserver" ./cmd/bareserver
if [ -n "$PROFILE" ]; then
	go build -o "$work/notesprof" ./cmd/notesprof
	printf '#!/bin/sh\nexec "%s" -cpuprofile "%s" -- "$@"\n' "$work/notesprof" "$work/notes.pprof" >"$work/notes"
	chmod +x "$work/notes"
else
	(cd "$root" && go build -o "$work/notes" ./cmd/notes)
fi

# shellcheck disable=SC2086 # BARE_ARGS is a list of flags
"$work/bareserver" -addr "127.0.0.1:$BARE_PORT" -email "$EMAIL" $BARE_ARGS 2>"$work/bare.log" &
bare_pid=$!
pids+=($bare_pid)
# shellcheck disable=SC2086 # NOTES_ARGS is a list of flags
(cd "$work" && SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	exec ./notes -addr "127.0.0.1:$NOTES_PORT" -db "$work/notes.db" $NOTES_ARGS >"$work/notes.log" 2>&1) &
notes_pid=$!
pids+=($notes_pid)

wait_up() {
	for _ in $(seq 100); do
		curl -sf -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "e2e: $1 did not come up" >&2
	cat "$work"/*.log >&2
	exit 1
}
wait_up "http://127.0.0.1:$BARE_PORT/healthz"
wait_up "http://127.0.0.1:$NOTES_PORT/healthz"

base=http://127.0.0.1:$NOTES_PORT
jar=$work/jar
csrf_token() { # page
	curl -sf -c "$jar" -b "$jar" "$base$1" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1
}
post() { # path, then --data-urlencode arguments; prints the status
	local path=$1
	shift
	curl -s -o "$work/post.html" -w '%{http_code}' -c "$jar" -b "$jar" \
		-H "Origin: $base" -H "Sec-Fetch-Site: same-origin" "$@" "$base$path"
}

code=$(post /register --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" \
	--data-urlencode "password_confirm=$PASSWORD" --data-urlencode "csrf_token=$(csrf_token /register)")
[ "$code" = 303 ] || { echo "e2e: register: status $code" >&2; cat "$work/post.html" "$work/notes.log" >&2; exit 1; }
code=$(post /login --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" \
	--data-urlencode "csrf_token=$(csrf_token /login)")
[ "$code" = 303 ] || { echo "e2e: login: status $code" >&2; cat "$work/post.html" "$work/notes.log" >&2; exit 1; }

cookie=$(awk -F'\t' 'NF == 7 { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$jar")
check() { # url [cookie]: the page must be a 200 that shows the email
	local out
	out=$(curl -s -w '\n%{http_code}' -H "Cookie: ${2:-}" "$1")
	[ "$(tail -n1 <<<"$out")" = 200 ] && grep -q "$EMAIL" <<<"$out" ||
		{ echo "e2e: $1 is not the logged-in page: $(tail -n1 <<<"$out")" >&2; exit 1; }
}
check "$base/protected" "$cookie"
check "http://127.0.0.1:$BARE_PORT/protected"
echo "# bare page $(curl -s "http://127.0.0.1:$BARE_PORT/protected" | wc -c) bytes, notes page $(curl -s -H "Cookie: $cookie" "$base/protected" | wc -c) bytes"

cputicks() { # pid: user+system CPU clock ticks the process has used
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
idleticks() { awk '/^cpu / { print $5 + $6 }' /proc/stat; }
run() { # name url pid [cookie] -> "rps bytes/request errors"
	local out rps tps errs c0 i0 c1 i1
	c0=$(cputicks "$3")
	i0=$(idleticks)
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -H "Cookie: ${4:-}" "$2")
	c1=$(cputicks "$3")
	i1=$(idleticks)
	rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
	tps=$(awk '/^Transfer\/sec/ { v = $2; u = substr(v, length(v) - 1); n = v + 0;
		if (u == "KB") n *= 1024; else if (u == "MB") n *= 1048576; else if (u == "GB") n *= 1073741824; print n }' <<<"$out")
	errs=$(awk '/Non-2xx/ { n += $5 } /Socket errors/ { n += 1 } END { print n + 0 }' <<<"$out")
	# Server CPU per request, and the CPU no process used (idle), from
	# the kernel's tick counters (USER_HZ, normally 100 a second).
	printf '%-5s round %d: %9.0f req/s  %6.0f bytes/response  %s errors  server CPU %5.1f us/request  idle %4.1f%%\n' \
		"$1" "$round" "$rps" "$(awk -v t="$tps" -v r="$rps" 'BEGIN { print t / r }')" "$errs" \
		"$(awk -v c=$((c1 - c0)) -v r="$rps" -v d="$DURATION" -v hz="$(getconf CLK_TCK)" 'BEGIN { print c / hz * 1e6 / (r * d) }')" \
		"$(awk -v i=$((i1 - i0)) -v n="$(nproc)" -v d="$DURATION" -v hz="$(getconf CLK_TCK)" 'BEGIN { print 100 * i / hz / (n * d) }')" >&2
	echo "$rps"
}

bare=()
notes=()
ratios=()
for round in $(seq "$ROUNDS"); do
	# ABBA order: odd rounds run bare first, even rounds notes first, so
	# that a drift in the machine's speed during a round pair does not
	# always favour the same side.
	if ((round % 2)); then
		b=$(run bare "http://127.0.0.1:$BARE_PORT/protected" "$bare_pid")
		n=$(run notes "$base/protected" "$notes_pid" "$cookie")
	else
		n=$(run notes "$base/protected" "$notes_pid" "$cookie")
		b=$(run bare "http://127.0.0.1:$BARE_PORT/protected" "$bare_pid")
	fi
	bare+=("$b")
	notes+=("$n")
	ratios+=("$(awk -v n="$n" -v b="$b" 'BEGIN { print n / b }')")
done
# The session must still be the logged-in one after the load (a redirect to
# /login would also be a fast 3xx that wrk does not count as an error).
check "$base/protected" "$cookie"

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mb=$(median "${bare[@]}")
mn=$(median "${notes[@]}")
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'bare  (median of %d): %9.0f req/s  (%s)\n' "$ROUNDS" "$mb" "${BARE_ARGS:-no security headers}"
printf 'notes (median of %d): %9.0f req/s  (%s)\n' "$ROUNDS" "$mn" "${NOTES_ARGS:-sqlite sessions}"
awk -v n="$mn" -v b="$mb" 'BEGIN { r = n / b; printf "notes / bare = %.1f%% (ratio of the medians)\n", 100 * r }'
# The verdict is on the median of the per-round ratios: each pairs a bare
# and a notes run made back to back, so slow drifts of a shared machine's
# speed (seen here: 20-30% within minutes) cancel out instead of landing on
# one side's median.
printf 'per-round notes / bare: %s\n' "$(printf '%s\n' "${ratios[@]}" | awk '{ printf "%s%.1f%%", sep, 100 * $1; sep = " " }')"
if [ -z "$BARE_ARGS" ]; then
	awk -v r="$(median "${ratios[@]}")" 'BEGIN { printf "notes / bare = %.1f%% (median of the per-round ratios; target >= 75%%: %s)\n", 100 * r, (r >= 0.75) ? "met" : "NOT met" }'
else # issue 4's target is against the plain bare server: no verdict here
	awk -v r="$(median "${ratios[@]}")" -v a="$BARE_ARGS" 'BEGIN { printf "notes / bare %s = %.1f%% (median of the per-round ratios; no verdict: the target is against the plain bare server)\n", a, 100 * r }'
fi

if [ -n "$PROFILE" ]; then
	kill -INT "$notes_pid"
	wait "$notes_pid" || true
	cp "$work/notes.pprof" "$PROFILE"
	cp "$work/notesprof" "$PROFILE.bin"
	echo "# CPU profile of notes during the runs: go tool pprof -top -cum $PROFILE.bin $PROFILE"
fi
