# hangar: thin wrapper around meson so the two README commands stay short.
#   make demo    install what is missing, build, run `hangar demo`
#   make check   install what is missing, build with ASan+UBSan, run every
#                test, run every fuzzer for FUZZ_SECONDS
BUILD ?= build

.PHONY: all deps build demo check bench clean

all: build

deps:
	@sh scripts/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dtests=false

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	./$(BUILD)/hangar/hangar demo

check: deps
	sh scripts/check

bench: build
	sh bench/run

clean:
	rm -rf build build-asan build-fuzz
