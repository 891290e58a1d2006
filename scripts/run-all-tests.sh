#!/bin/sh
# Everything `make test` runs, in parts; each part runs even when an earlier
# one failed, and the last line sums them up: "N passed, M failed".
#   normal  build/ (Release, jemalloc): every ctest test
#   asan    build-asan/ (clang, AddressSanitizer + UndefinedBehaviorSanitizer,
#           system allocator): every ctest test against the instrumented
#           server and unit tests
#   fuzz    the libFuzzer targets of build-asan/, FUZZ_SECONDS each (60)
#   tsan    build-tsan/ (clang, ThreadSanitizer): tests/stress/stress.py
#           for STRESS_SECONDS (45) against the instrumented server
# Usage: scripts/run-all-tests.sh [part ...]   (default: all four)
# Exit status 0 only if every test of every part passed.
set -u
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
STRESS_SECONDS=${STRESS_SECONDS:-45}
CLANG="-DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14"
passed=0
failed=0

count() {  # count <passed> <failed> <what>
    passed=$((passed + $1))
    failed=$((failed + $2))
    echo "== $3: $1 passed, $2 failed"
}

# configure_and_build <dir> <target or ""> <cmake options...>
configure_and_build() {
    dir=$1 target=$2
    shift 2
    # shellcheck disable=SC2086
    cmake -S . -B "$dir" -G Ninja "$@" > /dev/null &&
        cmake --build "$dir" -j "$JOBS" ${target:+--target $target}
}

# ctest_part <dir> <name>: runs every test of <dir>, counts its summary.
ctest_part() {
    log=$1/ctest-summary.log
    (cd "$1" && ctest --output-on-failure -j "$JOBS" --timeout 900) 2>&1 | tee "$log"
    summary=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -1)
    if [ -z "$summary" ]; then
        count 0 1 "$2 (ctest did not finish)"
        return
    fi
    total=$(echo "$summary" | sed -E 's/.*out of ([0-9]+).*/\1/')
    bad=$(echo "$summary" | sed -E 's/.* ([0-9]+) tests? failed.*/\1/')
    count $((total - bad)) "$bad" "$2"
}

part_normal() {
    echo "== normal build (build/)"
    if configure_and_build build "" -DCMAKE_BUILD_TYPE=Release; then
        ctest_part build "normal"
    else
        count 0 1 "normal build"
    fi
}

asan_options="-DCMAKE_BUILD_TYPE=Debug $CLANG -DTIERKV_ALLOCATOR=system -DTIERKV_SANITIZE=address -DTIERKV_FUZZ=ON"

part_asan() {
    echo "== ASan + UBSan build (build-asan/)"
    # shellcheck disable=SC2086
    if configure_and_build build-asan "" $asan_options; then
        ctest_part build-asan "asan+ubsan"
    else
        count 0 1 "asan+ubsan build"
    fi
}

part_fuzz() {
    echo "== fuzzing, ${FUZZ_SECONDS} s per target (build-asan/)"
    # shellcheck disable=SC2086
    if ! configure_and_build build-asan "resp_parser_fuzz commands_fuzz" $asan_options; then
        count 0 1 "fuzz build"
        return
    fi
    for target in resp_parser commands; do
        # The run's own corpus grows in build-asan/; the repo's seeds stay as they are.
        corpus=build-asan/fuzz/corpus/$target
        artifacts=build-asan/fuzz/artifacts/$target/
        mkdir -p "$corpus" "$artifacts"
        if build-asan/tests/fuzz/${target}_fuzz -max_total_time="$FUZZ_SECONDS" -max_len=4096 \
            -timeout=30 -print_final_stats=1 -artifact_prefix="$artifacts" \
            "$corpus" "tests/fuzz/corpus/$target" > "build-asan/fuzz/$target.log" 2>&1; then
            tail -n 12 "build-asan/fuzz/$target.log" | grep -E "^(Done|stat::number_of_executed_units|stat::new_units_added)"
            count 1 0 "fuzz $target"
        else
            tail -n 60 "build-asan/fuzz/$target.log"
            echo "the failing input is in $artifacts; keep it in tests/fuzz/regressions/$target/ once fixed"
            count 0 1 "fuzz $target"
        fi
    done
}

part_tsan() {
    echo "== ThreadSanitizer stress test, ${STRESS_SECONDS} s (build-tsan/)"
    # shellcheck disable=SC2086
    if ! configure_and_build build-tsan tierkv-server -DCMAKE_BUILD_TYPE=Debug $CLANG \
        -DTIERKV_ALLOCATOR=system -DTIERKV_SANITIZE=thread; then
        count 0 1 "tsan build"
        return
    fi
    if TIERKV_SERVER=build-tsan/tierkv-server TIERKV_SANITIZER=thread \
        TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1" \
        /usr/bin/python3 tests/stress/stress.py --seconds "$STRESS_SECONDS"; then
        count 1 0 "tsan stress"
    else
        count 0 1 "tsan stress"
    fi
}

parts=${*:-normal asan fuzz tsan}
for part in $parts; do
    case $part in
        normal | asan | fuzz | tsan) "part_$part" ;;
        *) echo "unknown part: $part" >&2; count 0 1 "$part" ;;
    esac
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
