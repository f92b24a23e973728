# The two commands the README promises: `make test` and `make demo`. Each installs what is missing first.
SWIFT ?= swift
RELEASE_BIN = .build/release/dpop

.PHONY: deps build release test demo bench clean

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product dpop

test: deps
	$(SWIFT) test

demo: release
	bash scripts/demo.sh $(RELEASE_BIN)

bench: release
	$(RELEASE_BIN) bench --sgemm
	$(RELEASE_BIN) bench --embedding 128 --layers 4 --heads 4 --batch 16 --prompt-length 32 --completion-length 32

clean:
	rm -rf .build
