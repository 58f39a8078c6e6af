#!/usr/bin/env bash
# run.sh — run every comparison benchmark in one process (-count 6) and
# print benchstat tables with one column per implementation.
#
#   cd bench && ./run.sh                              # memory and SQLite only
#   RAMPART_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
#   RAMPART_TEST_REDIS=127.0.0.1:6379 ./run.sh        # all four session stores
#   BENCH=Defence COUNT=10 BENCHTIME=1s ./run.sh      # a subset, longer
#
# Results go to results/bench.txt (raw) and results/benchstat.txt.
set -euo pipefail
cd "$(dirname "$0")"
COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-300ms}
BENCH=${BENCH:-.}
mkdir -p results
{
	echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3)"
	echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee results/machine.txt
go test -run '^$' -bench "$BENCH" -count "$COUNT" -benchtime "$BENCHTIME" -timeout 2h . | tee results/bench.txt
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a results/machine.txt
go tool benchstat -col /impl results/bench.txt | tee results/benchstat.txt
