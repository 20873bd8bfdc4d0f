# meshpath: a thin layer over meson. See README.md.
#   make        build (build/)
#   make test   install missing packages, build, run every test suite (unit, unit under
#               ASan+UBSan in build-asan/, end to end as root)
#   make demo   install, build, run meshpath on conf/meshpath.conf with real traffic
#   make bench  install, build, run the micro benchmarks
BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON      ?= meson
NINJA      ?= ninja

.PHONY: all build deps test test-unit test-asan test-e2e demo bench format clean

all: build

deps:
	@./tests/install-deps.sh

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD)

$(ASAN_BUILD)/build.ninja:
	$(MESON) setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Db_lto=false -Dbench=false

build: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

test: deps
	@./tests/run.sh

test-unit: build
	$(MESON) test -C $(BUILD) --suite unit --print-errorlogs

test-asan: $(ASAN_BUILD)/build.ninja
	$(NINJA) -C $(ASAN_BUILD)
	$(MESON) test -C $(ASAN_BUILD) --suite unit --print-errorlogs

test-e2e: build
	$(MESON) test -C $(BUILD) --suite e2e --print-errorlogs

demo: deps build
	@./tests/demo.sh $(BUILD)/app/meshpath/meshpath conf/meshpath.conf

bench: deps
	@./tests/install-deps.sh --bench
	@$(MAKE) --no-print-directory build
	@./bench/run.sh $(BUILD)

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
