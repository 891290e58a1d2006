# A thin layer over CMake. `make run` and `make test` install what is
# missing (Debian packages, see scripts/packages.txt), build once into
# build/, and run the server or every test. `make test` also builds the
# sanitizer builds (build-asan/, build-tsan/) and runs the fuzzers
# (scripts/run-all-tests.sh; README "Fuzzing and sanitizers").
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
STRESS_SECONDS ?= 45
CONFIG ?= config.example.toml

.PHONY: all deps configure build run test test-normal test-asan fuzz test-tsan clean

all: build

deps:
	@sh scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/tierkv-server --config $(CONFIG)

# Tests run in parallel; each end-to-end test starts its own server on a
# free port. Every part runs even if one fails; the last line is the total.
RUN_TESTS = JOBS=$(JOBS) FUZZ_SECONDS=$(FUZZ_SECONDS) STRESS_SECONDS=$(STRESS_SECONDS) sh scripts/run-all-tests.sh
test: deps
	@$(RUN_TESTS)

# One part at a time: the normal build's ctest, the ASan+UBSan ctest, the
# fuzzers (FUZZ_SECONDS each), the ThreadSanitizer stress test.
test-normal: deps
	@$(RUN_TESTS) normal
test-asan: deps
	@$(RUN_TESTS) asan
fuzz: deps
	@$(RUN_TESTS) fuzz
test-tsan: deps
	@$(RUN_TESTS) tsan

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan
