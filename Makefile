# The two commands of the README, and the steps they are made of.
#   make demo   install, build, start a local Kafka with demo groups, serve, print an example
#   make test   install, build, run every test (CTest starts and stops its own Kafka)
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
CTEST_ARGS ?=

.PHONY: all deps deps-core build test test-faults test-compat unit demo format clean asan tsan

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

# Sanitizer builds, each in its own directory, with test clusters named and placed apart from
# build/'s (39092) so that they can run beside `make test`. Both run every step and fail at the
# end. SAN_JOBS sets the build's parallelism.
# -O1 -g1: what the sanitizers recommend (fast enough, stacks with line numbers), and much less
# compile time than -O2 -g; asserts stay on.
SAN_CMAKE = cmake -S . -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO='-O1 -g1'
SAN_UBSAN = UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
SAN_JOBS ?= $(shell nproc)

# ASan + UBSan over the unit, integration and SDK tests (the SDK tests run the ASan kprogress
# under Alibaba's real clients, and check that it exits 0 on SIGTERM: LeakSanitizer runs then).
asan:
	$(SAN_CMAKE) -B build-asan -DKPROGRESS_SANITIZE=address,undefined \
	  -DKP_TEST_KAFKA_NAME=asan -DKP_TEST_BOOTSTRAP=127.0.0.1:27092
	cmake --build build-asan --parallel $(SAN_JOBS)
	cd build-asan && export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 $(SAN_UBSAN); \
	  ctest --output-on-failure -L unit $(CTEST_ARGS); unit=$$?; \
	  ctest --output-on-failure -L 'integration|sdk' -LE 'faults|compat' --timeout 1200 \
	    $(CTEST_ARGS); integration=$$?; \
	  [ $$unit = 0 ] && [ $$integration = 0 ]

# TSan over the tests that exercise threads: the collector (with a fake Kafka and with the real
# one), request coalescing (ProgressService), the HTTP server, and the librdkafka client.
# librdkafka itself is not instrumented: tests/tsan.supp says what of it TSan must not report.
TSAN_TESTS = '^(CollectorTest|ProgressServiceTest|HttpServer|HttpMessage|MiddlewareTest)|^(rdkafka_client_test|collector_integration_test)$$'
tsan:
	$(SAN_CMAKE) -B build-tsan -DKPROGRESS_SANITIZE=thread \
	  -DKP_TEST_KAFKA_NAME=tsan -DKP_TEST_BOOTSTRAP=127.0.0.1:27192
	cmake --build build-tsan --parallel $(SAN_JOBS) --target collector_test \
	  progress_service_test http_server_test rdkafka_client_test collector_integration_test
	cd build-tsan && export \
	  TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp halt_on_error=1 second_deadlock_stack=1"; \
	  ctest --output-on-failure -R $(TSAN_TESTS) $(CTEST_ARGS)

clean:
	rm -rf $(BUILD)
