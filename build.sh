#!/usr/bin/env bash
# AllyShare build entry point.
#
#   ./build.sh            build the extension into dist/ (installs what is missing)
#   ./build.sh test       run every test layer (native, wasm in headless Chromium, end to end)
#   ./build.sh package    the Chrome Web Store zip (no development key), checked against store/
#   ./build.sh firefox    the Firefox build into dist-firefox/ (the same wasm and pages)
#   ./build.sh package-firefox  its zip for addons.mozilla.org, checked by `web-ext lint`
#   ./build.sh store-images  the listing's screenshots and promo tile, from the real screens
#   ./build.sh demo       the whole system on this machine: server, invitation, extension
#   ./build.sh bench      the benchmarks: prints a table, writes bench/results.json
#                         (--server-only: the release server's figures alone, merged in)
#   ./build.sh fuzz [S]   cargo fuzz on the parsers and the batch decoding, S seconds each
#   ./build.sh check-api  Schemathesis against the reference server's OpenAPI document
#   ./build.sh load [--db postgres] [S]  a load test of the release server on loopback, S
#                         seconds (on PostgreSQL: two instances on one throwaway database)
#
# Environment:
#   ALLYSHARE_BACKEND_URL  the backend the build talks to by default (http://127.0.0.1:8787)
#   ALLYSHARE_GECKO_ID     the Firefox add-on id (allyshare@allyshare.org)
set -euo pipefail

cd "$(dirname "$0")"
ROOT="$(pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
export ALLYSHARE_BACKEND_URL="${ALLYSHARE_BACKEND_URL:-http://127.0.0.1:8787}"
WASM_TARGET=wasm32-unknown-unknown
E2E_DIR="$ROOT/tests/e2e"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# The id the development key in manifest.json gives the unpacked extension.
DEV_EXTENSION_ID=igfdnfmhifclpmflncmpgjdghncflccf
# The Firefox add-on id (browser_specific_settings.gecko.id): addons.mozilla.org keeps it for
# ever once the first version is signed.
GECKO_ID="${ALLYSHARE_GECKO_ID:-allyshare@allyshare.org}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $* (install it by hand, then re-run)"; fi
}

# --- set-up: each step is a no-op when its tool is already there -------------------------

ensure_wasm_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"; then
    say "Installing the $WASM_TARGET Rust target"
    rustup target add "$WASM_TARGET"
  fi
}

# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
locked_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_wasm_bindgen() {
  local want have
  want="$(locked_version wasm-bindgen)"
  [ -n "$want" ] || die "wasm-bindgen is missing from Cargo.lock"
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  if [ "$have" != "$want" ] || ! command -v wasm-bindgen-test-runner >/dev/null; then
    say "Installing wasm-bindgen-cli $want (was: ${have:-none})"
    cargo install --locked --force wasm-bindgen-cli --version "$want"
  fi
}

ensure_npm_packages() {
  if [ ! -f "$E2E_DIR/node_modules/.package-lock.json" ] ||
     [ "$E2E_DIR/package-lock.json" -nt "$E2E_DIR/node_modules/.package-lock.json" ]; then
    say "Installing the e2e tools (npm ci)"
    (cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "Installing Debian's chromium and chromium-driver"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

# Firefox for the Firefox end-to-end test: Debian's ESR, and geckodriver from crates.io (Debian
# does not package it), as the wasm-bindgen CLI is installed. Any geckodriver found is used; the
# one installed is this version (the one the suite was written against).
GECKODRIVER_VERSION=0.37.1
ensure_firefox() {
  if ! command -v firefox-esr >/dev/null; then
    say "Installing Debian's firefox-esr"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr >/dev/null
  fi
  if ! command -v geckodriver >/dev/null; then
    say "Installing geckodriver $GECKODRIVER_VERSION (cargo install)"
    cargo install --locked geckodriver --version "$GECKODRIVER_VERSION"
  fi
}

# The server suite's second backend: tools/pg-test.sh starts a throwaway server from these.
ensure_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    say "Installing Debian's postgresql"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
}

# --- build --------------------------------------------------------------------------------

# host_permissions for the default backend. Chrome's match patterns cover every port; a local
# backend gets both of its usual names.
backend_host_permissions() {
  local url="$ALLYSHARE_BACKEND_URL" scheme rest host
  scheme="${url%%://*}"; rest="${url#*://}"; host="${rest%%/*}"; host="${host%:*}"
  case "$host" in
    127.0.0.1|localhost) echo "\"$scheme://127.0.0.1/*\", \"$scheme://localhost/*\"" ;;
    *) echo "\"$scheme://$host/*\"" ;;
  esac
}

build() {
  ensure_wasm_target
  ensure_wasm_bindgen
  ensure_npm_packages
  rm -rf dist
  mkdir -p dist/pkg
  # Two bundles (Cargo features): the service worker's (dist/pkg/worker.js) and the pages'
  # (dist/pkg/pages.js). Each context loads only its own, so each compiles about half.
  local bundle
  for bundle in worker pages; do
    say "Building the wasm core: the $bundle bundle (profile wasm, backend $ALLYSHARE_BACKEND_URL)"
    cargo build --lib --profile wasm --target "$WASM_TARGET" --no-default-features --features "$bundle"
    # No name or producers sections: a third of the file, useless to allies.
    wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
      --out-dir dist/pkg --out-name "$bundle" \
      "$TARGET_DIR/$WASM_TARGET/wasm/allyshare.wasm"
  done
  cp -R extension/. dist/
  rm -rf dist/firefox # Firefox's own files (build_firefox)
  sed "s|\"@BACKEND_ORIGIN@\"|$(backend_host_permissions)|g" manifest.json > dist/manifest.json
  say "dist/ is ready: chrome://extensions → Developer mode → Load unpacked → $ROOT/dist"
  for bundle in worker pages; do
    echo "wasm size ($bundle): $(wc -c < "dist/pkg/${bundle}_bg.wasm") bytes raw, $(gzip -9 -c "dist/pkg/${bundle}_bg.wasm" | wc -c) bytes gzipped"
  done
}

# The store zip of dist/ at $1: the development key removed, and checked before it is written
# (tools/check_package.py against the listing in store/ and the messages src/ uses). A zip that
# fails the check is not written, and an older one at $1 is removed: none can be uploaded.
store_zip() {
  local zip="$1" staging candidate
  staging="$(mktemp -d)"
  mkdir "$staging/files"
  cp -R dist/. "$staging/files/"
  # The store assigns the id: the development key must not ship.
  node -e '
    const fs = require("fs"), p = process.argv[1];
    const m = JSON.parse(fs.readFileSync(p, "utf8")); delete m.key;
    fs.writeFileSync(p, JSON.stringify(m, null, 2) + "\n");' "$staging/files/manifest.json"
  rm -f "$zip"
  candidate="$staging/package.zip"
  (cd "$staging/files" && python3 -m zipfile -c "$candidate" ./*)
  if ! python3 tools/check_package.py "$candidate" --store store --source src; then
    rm -rf "$staging"
    die "the package was not written: fix what is listed above"
  fi
  mv "$candidate" "$zip"
  rm -rf "$staging"
}

package() {
  build
  local version zip
  version="$(node -p "require('./manifest.json').version")"
  zip="$ROOT/allyshare-$version.zip"
  store_zip "$zip"
  say "Chrome Web Store package: $zip ($(wc -c < "$zip") bytes)"
  case "$ALLYSHARE_BACKEND_URL" in
    http://*) echo "warning: this package talks to $ALLYSHARE_BACKEND_URL; set ALLYSHARE_BACKEND_URL for a store build" >&2 ;;
  esac
}

# --- Firefox ------------------------------------------------------------------------------

# dist-firefox/: dist/ as it is (the same wasm, pages and loaders), the manifest's Firefox form
# (tools/firefox-manifest.mjs says each difference and why) and Firefox's own content script.
build_firefox() {
  build
  rm -rf dist-firefox
  cp -R dist/. dist-firefox/
  cp extension/firefox/*.js dist-firefox/
  node tools/firefox-manifest.mjs dist/manifest.json "$GECKO_ID" > dist-firefox/manifest.json
  say "dist-firefox/ is ready: about:debugging → This Firefox → Load Temporary Add-on → $ROOT/dist-firefox/manifest.json"
}

# The addons.mozilla.org zip of dist-firefox/ at $1, written only if `web-ext lint` finds no
# error and no warning in it.
firefox_zip() {
  local zip="$1" staging
  staging="$(mktemp -d)"
  (cd dist-firefox && python3 -m zipfile -c "$staging/package.zip" ./*)
  rm -f "$zip"
  if ! "$E2E_DIR/node_modules/.bin/web-ext" lint --self-hosted=false --warnings-as-errors \
      --source-dir "$staging/package.zip" --output text; then
    rm -rf "$staging"
    die "the Firefox package was not written: fix what web-ext lint lists above"
  fi
  mv "$staging/package.zip" "$zip"
  rm -rf "$staging"
}

package_firefox() {
  build_firefox
  local version zip
  version="$(node -p "require('./manifest.json').version")"
  zip="$ROOT/allyshare-firefox-$version.zip"
  firefox_zip "$zip"
  say "addons.mozilla.org package: $zip ($(wc -c < "$zip") bytes)"
  case "$ALLYSHARE_BACKEND_URL" in
    http://*) echo "warning: this package talks to $ALLYSHARE_BACKEND_URL; set ALLYSHARE_BACKEND_URL for a store build" >&2 ;;
  esac
}

# --- test ---------------------------------------------------------------------------------

run_tests() {
  ensure_chromium
  ensure_firefox
  build_firefox
  say "Package check: its own tests, then the store zip of this build, then the Firefox zip (web-ext lint)"
  python3 tools/test_check_package.py
  local check_dir
  check_dir="$(mktemp -d)"
  store_zip "$check_dir/allyshare.zip"
  firefox_zip "$check_dir/allyshare-firefox.zip"
  rm -rf "$check_dir"
  say "Layer 1/3: native tests (cargo test --workspace)"
  cargo test --workspace
  # Every server test binary again, on a throwaway PostgreSQL (a check that only SQLite has,
  # such as its migration history or FTS5's tables, says so and checks PostgreSQL's own).
  say "Layer 1/3, again: every server test on PostgreSQL"
  ensure_postgres
  tools/pg-test.sh cargo test -p allyshare-server --tests
  say "Layer 2/3: wasm-bindgen tests in a headless Chromium service worker"
  CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_TEST_TIMEOUT=120 \
    cargo test --target "$WASM_TARGET" --test wasm
  say "Layer 3/3: end to end: the unpacked extension in Chromium (and firefox.test.mjs: in Firefox), the reference server"
  cargo build -p allyshare-server
  # Every test (and hook) has its own limit, from the harness (ALLYSHARE_TEST_TIMEOUT_MS,
  # 120 s; the longest test takes under 20 s). Node 20's --test-timeout bounds each file's run
  # as a whole: the ceiling for a file whose limits somehow did not hold. --test-force-exit: a
  # file whose tests are done exits even if a timed-out test left something waiting. Under
  # tools/pg-test.sh: two-instances.test.mjs runs two servers on one throwaway PostgreSQL
  # (stopped and removed when the suite ends, whatever its outcome).
  ALLYSHARE_SERVER_BIN="$TARGET_DIR/debug/allyshare-server" \
  ALLYSHARE_DIST="$ROOT/dist" \
  ALLYSHARE_DIST_FIREFOX="$ROOT/dist-firefox" \
  FIREFOX_BIN="$(command -v firefox-esr)" \
  GECKODRIVER_BIN="$(command -v geckodriver)" \
  CHROMIUM_BIN="$(command -v chromium)" \
    tools/pg-test.sh \
    node --test --test-concurrency=1 --test-timeout=600000 --test-force-exit "$E2E_DIR"/*.test.mjs
}

# --- bench --------------------------------------------------------------------------------

# Everything is built as it ships (the wasm profile, the release server); the figures come
# from tests/e2e/bench.mjs. Not part of `test`: goals are checked in figures, not timed tests.
# The PostgreSQL ingest runs on a throwaway server (tools/pg-test.sh) for the whole run.
# `--server-only`: only the release server's figures (no wasm, no Chromium), merged into
# bench/results.json.
bench() {
  ensure_postgres
  if [ "${1:-}" = --server-only ]; then
    say "Building the release server and its ingest and contacts-search benchmarks"
    cargo build --release -p allyshare-server --bin allyshare-server --example ingest --example contacts_search
    say "Running the server benchmarks"
    BENCH_INGEST_BIN="$TARGET_DIR/release/examples/ingest" \
    BENCH_CONTACTS_SEARCH_BIN="$TARGET_DIR/release/examples/contacts_search" \
      tools/pg-test.sh node "$E2E_DIR/bench.mjs" --out "$ROOT/bench/results.json" "$@"
    return
  fi
  ensure_chromium
  build
  local zip
  zip="$(mktemp -d)/allyshare.zip"
  store_zip "$zip"
  # The browser fixtures come in a worker bundle of their own (feature `bench`): what ships in
  # dist/ and the zip, and what the size figures measure, carries none of them.
  local bench_pkg="$TARGET_DIR/bench-pkg"
  say "Building the wasm core with the benchmark fixtures (not shipped)"
  cargo build --lib --profile wasm --target "$WASM_TARGET" --no-default-features --features worker,bench
  rm -rf "$bench_pkg"
  wasm-bindgen --target web --no-typescript --out-dir "$bench_pkg" --out-name worker \
    "$TARGET_DIR/$WASM_TARGET/wasm/allyshare.wasm"
  say "Building the release server and its ingest and contacts-search benchmarks"
  cargo build --release -p allyshare-server --bin allyshare-server --example ingest --example contacts_search
  say "Running the benchmarks (a few minutes)"
  ALLYSHARE_SERVER_BIN="$TARGET_DIR/release/allyshare-server" \
  BENCH_INGEST_BIN="$TARGET_DIR/release/examples/ingest" \
  BENCH_CONTACTS_SEARCH_BIN="$TARGET_DIR/release/examples/contacts_search" \
  BENCH_PACKAGE_ZIP="$zip" \
  BENCH_PKG="$bench_pkg" \
  ALLYSHARE_DIST="$ROOT/dist" \
  CHROMIUM_BIN="$(command -v chromium)" \
    tools/pg-test.sh node "$E2E_DIR/bench.mjs" --out "$ROOT/bench/results.json" "$@"
  rm -rf "$(dirname "$zip")"
}

# --- store images ---------------------------------------------------------------------------

# The listing's screenshots and promo tile (store/images/<lang>/), photographed from the real
# screens by tests/e2e/store-images.mjs: the built dist/, the debug server, the fake LinkedIn.
store_images() {
  ensure_chromium
  build
  cargo build -p allyshare-server
  say "Photographing the real screens for the store listing (English, French)"
  ALLYSHARE_SERVER_BIN="$TARGET_DIR/debug/allyshare-server" \
  ALLYSHARE_DIST="$ROOT/dist" \
  CHROMIUM_BIN="$(command -v chromium)" \
    node "$E2E_DIR/store-images.mjs" --out "$ROOT/store/images"
}

# --- demo ---------------------------------------------------------------------------------

demo() {
  build
  cargo build -p allyshare-server
  local data="$ROOT/demo-data" server="$TARGET_DIR/debug/allyshare-server"
  local addr="${ALLYSHARE_DEMO_ADDR:-127.0.0.1:8787}"
  mkdir -p "$data"
  say "Starting the reference server on http://$addr (database $data/allyshare.db)"
  "$server" serve --db "$data/allyshare.db" --addr "$addr" --outbox "$data/outbox" \
    --public-url "http://$addr" --extension-id "$DEV_EXTENSION_ID" &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT INT TERM
  for _ in $(seq 50); do curl -fs "http://$addr/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  local link
  link="$("$server" invite --db "$data/allyshare.db" --outbox "$data/outbox" \
    --public-url "http://$addr" --network "Sales Network" --email ally@example.org \
    --name "Demo Ally" | tail -n 1)"
  say "Demo invitation for ally@example.org to Sales Network (email in $data/outbox):"
  echo "    $link"
  echo "Open it, choose a password, then sign in from the extension popup."
  local admin_link
  admin_link="$("$server" invite --db "$data/allyshare.db" --outbox "$data/outbox" \
    --public-url "http://$addr" --network "Sales Network" --email admin@example.org \
    --name "Demo Admin" --role network_admin | tail -n 1)"
  say "The Network Admin console: http://$addr/admin"
  echo "    admin@example.org's invitation: $admin_link"
  echo "Open it and choose a password: it signs you in to the console (later: sign in at /admin)."
  if [ -n "${DISPLAY:-}" ] && command -v chromium >/dev/null; then
    say "Starting Chromium with the extension loaded"
    chromium --user-data-dir="$data/chromium" --load-extension="$ROOT/dist" \
      --no-first-run "$link" >/dev/null 2>&1 &
  else
    echo "No display: load $ROOT/dist in Chrome (chrome://extensions → Load unpacked)."
  fi
  say "Server running; Ctrl-C stops it."
  wait "$pid"
}

# --- hardening: fuzzing ---------------------------------------------------------------------

# cargo fuzz needs a nightly compiler; without one, stable is told to accept nightly flags.
fuzz_cargo() {
  if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    cargo +nightly fuzz "$@"
  else
    RUSTC_BOOTSTRAP=1 cargo fuzz "$@"
  fi
}

# Runs every fuzz target for SECONDS each, seeded from the test fixtures; new inputs go to
# fuzz/corpus/<target>, crashes to fuzz/artifacts/<target>. Safe Rust: no sanitizer, but debug
# assertions and overflow checks on.
fuzz() {
  local secs="${1:-60}" target seeds log runs summary=""
  command -v cargo-fuzz >/dev/null || { say "Installing cargo-fuzz"; cargo install --locked cargo-fuzz; }
  say "Building the fuzz targets"
  (cd fuzz && fuzz_cargo build -s none -a -O)
  for target in dash legacy csv batch; do
    case "$target" in
      dash|legacy) seeds="$ROOT/tests/fixtures/linkedin" ;;
      csv) seeds="$ROOT/tests/fixtures/linkedin/csv" ;;
      batch) seeds="$ROOT/fuzz/seeds/batch" ;;
    esac
    mkdir -p "fuzz/corpus/$target"
    log="$(mktemp)"
    say "Fuzzing $target for ${secs}s"
    if ! (cd fuzz && fuzz_cargo run -s none -a -O "$target" "corpus/$target" "$seeds" -- \
        -max_total_time="$secs" -print_final_stats=1) >"$log" 2>&1; then
      tail -n 40 "$log"; rm -f "$log"
      die "fuzz target $target failed (the input is under fuzz/artifacts/$target)"
    fi
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    summary+="$target: $runs executions in ${secs}s, no crash"$'\n'
    rm -f "$log"
  done
  say "Fuzzing done"
  printf '%s' "$summary"
}

# --- hardening: API conformance ------------------------------------------------------------

# Schemathesis against the debug server (see tools/check-api.sh); Python's venv module first.
check_api() {
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    say "Installing python3-venv"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  cargo build -p allyshare-server
  tools/check-api.sh "$TARGET_DIR/debug/allyshare-server"
}

# --- hardening: load -----------------------------------------------------------------------

# The load test (server/examples/load.rs) against the release server, on loopback. With
# `--db postgres`: two instances of it on one database of a throwaway PostgreSQL
# (tools/pg-test.sh), the clients spread over both.
load() {
  local backend=sqlite
  if [ "${1:-}" = --db ]; then
    backend="${2:-}"; shift 2 || shift
    case "$backend" in
      sqlite|postgres) ;;
      *) die "load --db takes sqlite or postgres, not '$backend'" ;;
    esac
  fi
  local secs="${1:-60}"
  cargo build --release -p allyshare-server --bin allyshare-server --example load
  if [ "$backend" = postgres ]; then
    ensure_postgres
    # shellcheck disable=SC2016 # expanded by the inner shell, once pg-test.sh has set it
    tools/pg-test.sh sh -c '"$1" "$2" "$3" --postgres "$ALLYSHARE_TEST_POSTGRES_URL"' load \
      "$TARGET_DIR/release/examples/load" "$TARGET_DIR/release/allyshare-server" "$secs"
  else
    "$TARGET_DIR/release/examples/load" "$TARGET_DIR/release/allyshare-server" "$secs"
  fi
}

case "${1:-build}" in
  build) build ;;
  package) package ;;
  firefox) build_firefox ;;
  package-firefox) package_firefox ;;
  test) run_tests ;;
  demo) demo ;;
  store-images) store_images ;;
  fuzz) fuzz "${2:-60}" ;;
  check-api) check_api ;;
  load) shift; load "$@" ;;
  bench) shift; bench "$@" ;;
  -h|--help|help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command '$1' (try: build, test, package, firefox, package-firefox, store-images, demo, bench, fuzz, check-api, load)" ;;
esac
