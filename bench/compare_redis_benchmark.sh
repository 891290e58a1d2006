#!/bin/sh
# Side-by-side throughput of tierkv-server and redis-server with
# redis-benchmark, one after the other in the same run on the same machine.
# Usage: bench/compare_redis_benchmark.sh [requests] [clients]
# Prints one line per server, workload and pipeline depth (requests/s).
set -eu
cd "$(dirname "$0")/.."
REQUESTS=${1:-1000000}
CLIENTS=${2:-50}
TIERKV=${TIERKV:-build/tierkv-server}
PORT_TIERKV=${PORT_TIERKV:-7400}
PORT_REDIS=${PORT_REDIS:-7401}
tmp=$(mktemp -d)
trap 'kill $tierkv_pid $redis_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT

"$TIERKV" --port "$PORT_TIERKV" --log-level warn > "$tmp/tierkv.log" 2>&1 &
tierkv_pid=$!
redis-server --port "$PORT_REDIS" --save '' --appendonly no --dir "$tmp" > "$tmp/redis.log" 2>&1 &
redis_pid=$!
for port in "$PORT_TIERKV" "$PORT_REDIS"; do
    for _ in $(seq 50); do redis-cli -p "$port" ping > /dev/null 2>&1 && break; sleep 0.1; done
done

echo "redis-benchmark -t set,get -n $REQUESTS -c $CLIENTS on $(nproc) cores ($(date -u +%F))"
for pipeline in 1 16; do
    for server in tierkv redis; do
        if [ "$server" = tierkv ]; then port=$PORT_TIERKV; else port=$PORT_REDIS; fi
        redis-cli -p "$port" flushall > /dev/null
        redis-benchmark -p "$port" -q -t set,get -n "$REQUESTS" -c "$CLIENTS" -P "$pipeline" 2>/dev/null |
            tr '\r' '\n' | grep 'requests per second' | sed "s/^/$server P=$pipeline /"
    done
done
