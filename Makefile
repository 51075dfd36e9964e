# Thin wrapper: install packages, configure, build, run, test. CMake does the real work.
#   make run    set up and serve config/gatehouse.yaml
#   make test   set up, build (-Werror) and run every test, then again under ASan+UBSan
RELEASE_DIR ?= build/release
ASAN_DIR    ?= build/asan
TSAN_DIR    ?= build/tsan
CONFIG      ?= config/gatehouse.yaml
JOBS        ?= $(shell nproc)
CTEST_FLAGS ?= --output-on-failure -j$(JOBS)

.PHONY: deps test-deps build run test test-release test-asan test-tsan bench bench-routes bench-lambda bench-auth bench-websocket bench-dynamodb clean

deps:
	@scripts/install-deps.sh

# What the tests need beyond the build: boto3, Node.js and the AWS SDK for JavaScript.
test-deps: deps
	@scripts/install-test-deps.sh

$(RELEASE_DIR)/build.ninja:
	cmake -S . -B $(RELEASE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DGATEHOUSE_WERROR=ON

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGATEHOUSE_WERROR=ON \
	  -DGATEHOUSE_SANITIZE=ON

build: deps $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR) -j$(JOBS) --target gatehouse

run: build
	$(RELEASE_DIR)/gatehouse serve -c $(CONFIG)

test-release: test-deps $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR) -j$(JOBS)
	cd $(RELEASE_DIR) && ctest $(CTEST_FLAGS)

test-asan: test-deps $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j$(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest $(CTEST_FLAGS)

test: test-release test-asan

# Not part of `make test`: the component tests under ThreadSanitizer, for threading changes.
test-tsan: deps
	cmake -S . -B $(TSAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGATEHOUSE_TSAN=ON
	cmake --build $(TSAN_DIR) -j$(JOBS) --target gatehouse_component_tests
	cd $(TSAN_DIR) && TSAN_OPTIONS=halt_on_error=1 ctest -L component $(CTEST_FLAGS)

bench: build
	bench/http/run.sh

bench-routes: build
	bench/routes/run.sh

bench-lambda: build
	bench/lambda/run.sh

bench-auth: build
	bench/auth/run.sh

bench-websocket: build
	bench/websocket/run.sh

bench-dynamodb: build
	bench/dynamodb/run.sh

clean:
	rm -rf build
