# The two commands of the README's quick start. Everything else goes through CMake presets.
PRESET ?= dev
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc)
# ccache (when installed) shares objects between clones and build folders: key on paths
# relative to the checkout, not on where it lives.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: run test deps build fuzz-smoke

# The main job: the reference scenario FLEET-1 (../shared/FLEET-1.md) with 100,000 cars.
FLEET1_CARS ?= 100000

run: build
	$(BUILD_DIR)/cli/fleetgrid sim scenarios/fleet1.yaml --set fleet.size=$(FLEET1_CARS) \
	  --out runs/fleet1

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

build: deps
	cmake --preset $(PRESET) >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

deps:
	@scripts/install-deps.sh

# libFuzzer targets (docs/fuzzing.md): clang with ASan + UBSan in build/fuzz, only the fuzz
# targets built, each run FUZZ_SECONDS over a copy of its seeds; fails if any crashes.
FUZZ_SECONDS ?= 15

fuzz-smoke:
	@scripts/install-deps.sh --fuzz
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz -j $(JOBS) --target fuzz_targets
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz-smoke.sh
