# Tern — a thin wrapper over CMake; see README.md.
#   make demo        install missing Debian packages, release build of `tern`, run `tern demo`
#   make check       install missing Debian packages, build (ASan+UBSan), run every test
#   make test        build and run the tests only (no format check, no fuzzing)
#   make interop-table  put the interop table of the last `make check` run into README.md
#   make fuzz-smoke  run every libFuzzer harness for FUZZ_SECONDS (60) each
#   make bench       release build, the micro-benchmarks and bench/run.sh: Tern vs usrsctp vs UDP,
#                    table in bench/results/<date>.md (RUNS=5 TIME=5 and bench/run.sh --help)
#   make bench-smoke every benchmark scenario once at tiny sizes (seconds; part of make check)
#   make format      clang-format the sources in place

CHECK_DIR    ?= build/check
RELEASE_DIR  ?= build/release
FUZZ_DIR     ?= build/fuzz
FUZZ_SECONDS ?= 60
JOBS         ?= $(shell nproc)
SOURCES       = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find wire include tests fuzz bench -name '*.[ch]')

.PHONY: all deps demo build test interop-table check fuzz-smoke release bench bench-smoke format format-check clean

all: build

deps:
	@./scripts/install-deps.sh

# Quick on a fresh clone: a release build of the tern command only (no tests, no sanitizers).
demo: deps
	cmake -S . -B $(RELEASE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DTERN_SANITIZE=OFF -DTERN_TESTS=OFF
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target tern_cli
	$(RELEASE_DIR)/tools/tern demo

build: deps
	cmake -S . -B $(CHECK_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTERN_SANITIZE=ON
	cmake --build $(CHECK_DIR) -j $(JOBS)

# The interop tests leave one result file each; the table is made from them.
test: build
	@find $(CHECK_DIR)/tests/interop -name result -type f -delete 2>/dev/null || true
	ctest --test-dir $(CHECK_DIR) --output-on-failure -j $(JOBS)
	@./scripts/interop-table.sh $(CHECK_DIR) >$(CHECK_DIR)/interop.md && cat $(CHECK_DIR)/interop.md

interop-table:
	./scripts/interop-table.sh $(CHECK_DIR) README.md >/dev/null

check: test format-check
	@$(MAKE) --no-print-directory bench-smoke
	@if command -v clang >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory fuzz-smoke; \
	else \
		echo "check: clang is not installed: fuzz smoke SKIPPED"; \
	fi
	@echo "check: all passed"

fuzz-smoke: deps
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DTERN_FUZZ=ON -DTERN_TESTS=OFF -DTERN_BENCH=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	./scripts/fuzz-smoke.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

release: deps
	cmake -S . -B $(RELEASE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DTERN_SANITIZE=OFF -DTERN_TESTS=OFF
	cmake --build $(RELEASE_DIR) -j $(JOBS)

# run.sh also runs the micro-benchmarks (bench_*) and adds their output to the table.
bench: release
	./bench/run.sh $(RELEASE_DIR)

# Against the check build (sanitizers on): the table goes to $(CHECK_DIR)/bench-smoke.md.
bench-smoke: build
	./bench/run.sh --smoke $(CHECK_DIR)

format:
	clang-format -i $(SOURCES)

format-check: deps
	clang-format --dry-run --Werror $(SOURCES)

clean:
	rm -rf build
