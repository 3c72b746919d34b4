# Sluice: `make run` serves the product with the demo seed; `make test` runs every test.
# Both set up what a fresh machine lacks (npm packages, Chromium, a stopped PostgreSQL).

GO      ?= go
BIN     := bin/sluice
ADDR    ?= 127.0.0.1:8080
DB      ?= sqlite://./data/sluice.db
PG_URL  ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
# PostgreSQL-backed tests run when SLUICE_TEST_PG is set; the test targets set it (and
# start a stopped cluster) when PostgreSQL is installed here.
ifneq ($(filter test test-go test-race test-soak soak,$(MAKECMDGOALS)),)
ifeq ($(origin SLUICE_TEST_PG),undefined)
SLUICE_TEST_PG := $(shell scripts/pg-up.sh "$(PG_URL)")
endif
endif
export SLUICE_TEST_PG

GO_SRC := $(shell find backend plugins schemas frontend/embed.go -type f \( -name '*.go' -o -name '*.json' -o -name '*.sql' \) 2>/dev/null) go.mod go.sum
WEB_SRC := $(shell find frontend/src frontend/index.html frontend/vite.config.* frontend/tsconfig*.json -type f 2>/dev/null)

.PHONY: run build test test-go test-race test-web test-e2e test-soak soak bench lint clean

run: build
	./$(BIN) serve --demo --addr $(ADDR) --db $(DB)

build: $(BIN)

node_modules/.sluice-installed: package.json package-lock.json frontend/package.json
	npm ci --no-audit --no-fund
	@touch $@

frontend/dist/app/index.html: node_modules/.sluice-installed $(WEB_SRC)
	npm run build

$(BIN): frontend/dist/app/index.html $(GO_SRC)
	$(GO) build -o $(BIN) ./backend/cmd/sluice

test: lint test-go test-race test-web test-e2e test-soak

# Go: gofmt and vet; the web app: ESLint (frontend/eslint.config.js: typescript-eslint, React hooks,
# and the boundaries between features).
lint: node_modules/.sluice-installed
	@out=$$(gofmt -l backend plugins schemas frontend/embed.go); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	npm run lint

# The packages where concurrency lives run under the race detector; the rest plainly. The
# timeouts are above Go's 10-minute default: the service suite under -race nears it on a loaded
# 2-core machine, and a timeout there says nothing about the code.
RACE_PKGS := engine store service live remind authz auth documents api inventory outbox periodic
RACE_RE   := /backend/($(subst $(eval) ,|,$(RACE_PKGS)))(/|$$)

test-go: frontend/dist/app/index.html
	@if [ -n "$$SLUICE_TEST_PG" ]; then echo "storage suites run on SQLite and PostgreSQL ($$SLUICE_TEST_PG)"; else echo "PostgreSQL not installed here: storage suites run on SQLite only"; fi
	$(GO) test -timeout 30m $$($(GO) list ./... | grep -v -E '$(RACE_RE)')
	$(GO) test -timeout 30m -run 'TestBoundedListsAtScale' ./backend/api/

test-race: frontend/dist/app/index.html
	$(GO) test -race -timeout 40m $(addprefix ./backend/,$(addsuffix /...,$(RACE_PKGS)))

test-web: node_modules/.sluice-installed
	npm test

test-e2e: $(BIN)
	scripts/chromium.sh
	scripts/e2e.sh ./$(BIN)

# The reliability suite (docs/soak.md): load with SIGKILLs, PostgreSQL connection drops and
# websocket reconnect storms, then checks. `make soak` runs SQLite, PostgreSQL and three
# PostgreSQL instances for SOAK_DURATION (default 10m) each; every SOAK_* variable is a knob.
comma := ,
SOAK_PG_SCENARIOS = $(if $(SLUICE_TEST_PG),postgres:1$(comma)postgres:3)

soak: $(BIN)
	SOAK_SCENARIOS="$${SOAK_SCENARIOS:-sqlite:1$(if $(SLUICE_TEST_PG),$(comma)$(SOAK_PG_SCENARIOS))}" \
	$(GO) run ./backend/cmd/sluice-soak --bin ./$(BIN)

# The short version in `make test`: a minute per database (SQLite, three PostgreSQL
# instances started together), with the whole fault mix (docs/soak.md).
test-soak: $(BIN)
	SOAK_DURATION="$${SOAK_DURATION:-1m}" SOAK_WRITERS="$${SOAK_WRITERS:-24}" SOAK_SOCKETS="$${SOAK_SOCKETS:-10}" \
	SOAK_KILL_EVERY="$${SOAK_KILL_EVERY:-15s}" SOAK_STORM_EVERY="$${SOAK_STORM_EVERY:-10s}" \
	SOAK_PG_DROP_EVERY="$${SOAK_PG_DROP_EVERY:-15s}" \
	SOAK_SCENARIOS="$${SOAK_SCENARIOS:-sqlite:1$(if $(SLUICE_TEST_PG),$(comma)postgres:3)}" \
	$(GO) run ./backend/cmd/sluice-soak --bin ./$(BIN)

bench: $(BIN)
	$(GO) run ./backend/cmd/sluice-bench --bin ./$(BIN)

clean:
	rm -rf bin frontend/dist/app node_modules/.sluice-installed test-output
