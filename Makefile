# hangar: thin wrapper around meson so the two README commands stay short.
#   make demo    install what building and the demo need (scripts/deps/
#                demo-*.txt), build, run `hangar demo`
#   make check   install everything the tests need too (every
#                scripts/deps/*.txt), build with ASan+UBSan, run every
#                test, run every fuzzer for FUZZ_SECONDS
BUILD ?= build

.PHONY: all deps deps-demo build demo check bench clean

all: build

deps-demo:
	@sh scripts/install-deps demo

deps:
	@sh scripts/install-deps check

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dtests=false

build: deps-demo $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	./$(BUILD)/hangar/hangar demo

check: deps
	sh scripts/check

bench: build
	sh bench/run

clean:
	rm -rf build build-asan build-fuzz
