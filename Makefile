# The two commands of the README, and the steps they are made of.
#   make demo   install, build, start a local Kafka with demo groups, serve, print an example
#   make test   install, build, run every test (CTest starts and stops its own Kafka)
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
CTEST_ARGS ?=

.PHONY: all deps deps-core build test test-faults test-compat unit demo format clean

all: build

deps:
	scripts/install-deps

deps-core:
	scripts/install-deps --no-sdk

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD)

# Every test, C++ and not, through CTest's one summary; non-zero on any failure. The broker-fault
# tests (three-node cluster, label faults) and the Kafka 3.9 run (label compat) are run by their
# own targets, since they take minutes (README, Tests).
test: deps build
	cd $(BUILD) && ctest --output-on-failure --timeout 1200 -LE 'faults|compat' $(CTEST_ARGS)

test-faults: deps build
	cd $(BUILD) && ctest --output-on-failure --timeout 1200 -L faults $(CTEST_ARGS)

test-compat: deps build
	cd $(BUILD) && ctest --output-on-failure --timeout 1200 -L compat $(CTEST_ARGS)

# Only the fast tests (no Kafka, no network).
unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit $(CTEST_ARGS)

demo: deps-core build
	scripts/demo

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf $(BUILD)
