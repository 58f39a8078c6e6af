#!/usr/bin/env bash
# run.sh — run every comparison benchmark in one process (-count 6), then
# print benchstat tables with one column per implementation and check the
# issues' targets on the medians.
#
#   cd bench && ./run.sh                              # memory and SQLite stores only
#   RAMPART_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
#   RAMPART_TEST_REDIS=127.0.0.1:6379 ./run.sh        # all four session stores
#   BENCH=Defence COUNT=10 BENCHTIME=1s ./run.sh      # a subset, longer
#
# Results: results/bench.txt (raw), results/benchstat.txt, results/targets.txt.
set -euo pipefail
cd "$(dirname "$0")"
COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-1s}
BENCH=${BENCH:-.}
mkdir -p results
{
	echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3)"
	echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee results/machine.txt
go test -run '^$' -bench "$BENCH" -count "$COUNT" -benchtime "$BENCHTIME" -timeout 2h . | tee results/bench.txt
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a results/machine.txt

stat() { # title filter columns
	echo "## $1"
	go tool benchstat -filter "$2" -col "/impl@($3)" results/bench.txt | sed '/^goos\|^goarch\|^pkg\|^cpu/d'
	echo
}
{
	stat "Issue 3: GET and same-origin POST through each defence stack" '.name:/^Defence/' \
		'rampart rampart-csrf secure+gorilla nosurf crossoriginprotection bare'
	stat "Issue 4: a logged-in page view per session store" '.name:Session' 'rampart scs scs-idle bare'
	stat "Issue 5: RequireLogin over the session load" '.name:RequireLogin' 'session-only rampart'
	stat "Issue 6: binding a 5-field form and JSON body" '.name:/^Bind/' 'rampart hand-assembly'
	stat "Issue 7: EdDSA access tokens" '.name:Token' 'rampart golang-jwt ed25519'
	stat "Issue 7: Bearer middleware" '.name:Bearer' 'rampart verify-only golang-jwt'
} | tee results/benchstat.txt
go run ./cmd/targets results/bench.txt | tee results/targets.txt
