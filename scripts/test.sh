#!/usr/bin/env bash
# Sets up this Debian 12 machine (idempotently: only missing packages are installed, npm packages come from the
# lockfile) and runs every check CI runs: formatting, clippy, the UI type check, unit tests and build, and every
# Rust test — the keyring tests against a real Secret Service in a private D-Bus session.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh --gui
export CARGO_TERM_COLOR=never

echo "== ui: install, type check, unit tests, build"
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run typecheck && npm test && npm run build)

echo "== rust: format, lint"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings

echo "== architecture: no crate under crates/ depends on tauri"
for c in crates/*/; do
  name=$(basename "$c")
  if cargo tree -p "$name" -e normal,build --prefix none 2>/dev/null | grep -q '^tauri v'; then
    echo "error: $name depends on tauri; only src-tauri may" >&2; exit 1
  fi
done

echo "== architecture: the shells (CLI, server, desktop) depend on studio-core only among our crates (and on studio-server to serve)"
for c in studio-cli studio-server aidas-desktop; do
  tree=$(cargo tree -p "$c" -e normal --depth 1 --prefix none)
  extra=$(printf '%s\n' "$tree" | grep -E '^(studio-|aidas-)' | grep -vE "^($c|studio-core|studio-server) " || true)
  if [ -n "$extra" ]; then
    echo "error: $c depends directly on $extra; shells reach our crates through studio-core" >&2; exit 1
  fi
  # Engine::store() is open only to tests (feature test-support); the shells' own builds below (the CLI before the
  # browser walk, the desktop app in its smoke test) compile without it, so a shell that reaches the store fails.
  if cargo tree -p "$c" -e features,normal --prefix none | grep -q 'studio-core feature "test-support"'; then
    echo "error: $c turns on studio-core's test-support feature" >&2; exit 1
  fi
done

echo "== rust: tests"
scripts/with-keyring.sh cargo test --workspace

echo "== bindings: the TypeScript types in ui/src/bindings match the Rust types (cargo test regenerates them)"
if ! git diff --quiet -- ui/src/bindings || [ -n "$(git ls-files --others --exclude-standard ui/src/bindings)" ]; then
  echo "error: the generated TypeScript bindings changed; commit ui/src/bindings" >&2
  git status --short ui/src/bindings >&2
  exit 1
fi

echo "== browser: playwright-core drives Chromium through the studio (aidas serve, offline providers)"
cargo build -p studio-cli
(cd ui && node e2e/studio.e2e.mjs)

echo "== desktop: the Tauri app builds and its window loads the UI under Xvfb"
scripts/desktop-smoke.sh
