# triwatch - the two commands a newcomer needs, and a few more.
#   make demo    install what is missing, build, run the main job
#   make check   install what is missing, build, run every test (also under ASan+UBSan)
#   make bench   build optimised and run the benchmarks under bench/
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
BUILD    ?= build
ASAN     ?= build-asan
BENCHDIR ?= build-bench
CMAKE_COMMON = -DTW_WERROR=ON

.PHONY: all deps build demo check test asan bench clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_COMMON)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/triwatch demo

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan: deps
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DTW_SANITIZE=ON $(CMAKE_COMMON)
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ctest --output-on-failure -j $(JOBS) -L unit

check: test asan

bench: deps
	cmake -S . -B $(BENCHDIR) -DCMAKE_BUILD_TYPE=Release -DTW_BENCH=ON
	cmake --build $(BENCHDIR) -j $(JOBS)
	bench/run.sh $(BENCHDIR)

clean:
	rm -rf $(BUILD) $(ASAN) $(BENCHDIR)
