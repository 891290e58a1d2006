#!/bin/sh
# Is tierkv-bench fast enough not to be the bottleneck? Drives one
# redis-server with redis-benchmark and with tierkv-bench, same workload
# (GET, 50 connections, 200000 requests), without and with pipelining, and
# prints both request rates side by side. Both are single-threaded here.
# Usage: bench/bench_vs_redis_benchmark.sh [requests] [clients]
set -eu
cd "$(dirname "$0")/.."
REQUESTS=${1:-200000}
CLIENTS=${2:-50}
BENCH=${TIERKV_BENCH:-build/tierkv-bench}
[ -x "$BENCH" ] || { echo "no $BENCH: run 'make build' first" >&2; exit 1; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=${PORT:-$(free_port)}
tmp=$(mktemp -d)
redis_pid=
trap '[ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" > "$tmp/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 50); do redis-cli -p "$PORT" ping > /dev/null 2>&1 && break; sleep 0.1; done

# redis-benchmark rewrites its line with \r; keep the final figure.
redis_benchmark_rps() {
    redis-benchmark -p "$PORT" -q -t get -n "$REQUESTS" -c "$CLIENTS" -P "$1" 2>/dev/null |
        tr '\r' '\n' | grep 'requests per second' | tail -1 | sed 's/^GET: \([0-9.]*\) requests.*/\1/'
}

# Prints two figures: tierkv-bench's own (first request to last reply) and
# a conservative one over the whole process's wall time, start-up and
# connecting included, as redis-benchmark's figure includes connecting.
tierkv_bench_rps() {
    start=$(date +%s%N)
    rps=$("$BENCH" -p "$PORT" -c "$CLIENTS" -n "$REQUESTS" -P "$1" --ratio 0:1 --json |
        sed 's/.*"ops_per_sec": \([0-9.]*\).*/\1/')
    end=$(date +%s%N)
    echo "$rps $(awk -v n="$REQUESTS" -v ns="$((end - start))" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')"
}

echo "GET, $REQUESTS requests, $CLIENTS connections, redis-server $(redis-server --version | sed 's/.* v=\([^ ]*\).*/\1/') on $(nproc) cores"
printf '%-9s %16s %16s %22s %7s\n' pipeline redis-benchmark tierkv-bench "tierkv-bench (wall)" ratio
for pipeline in 1 16; do
    redis-cli -p "$PORT" flushall > /dev/null
    rb=$(redis_benchmark_rps "$pipeline")
    redis-cli -p "$PORT" flushall > /dev/null
    set -- $(tierkv_bench_rps "$pipeline")
    awk -v p="P=$pipeline" -v rb="$rb" -v tb="$1" -v wall="$2" \
        'BEGIN { printf "%-9s %16.0f %16.0f %22.0f %7.2f\n", p, rb, tb, wall, tb / rb }'
done
