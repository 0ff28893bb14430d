#!/usr/bin/env bash
# Sets up this Debian 12 machine (only missing packages) and runs the main job: `aidas demo`.
# Extra arguments go to `aidas demo` (e.g. --data-dir DIR, --json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
cargo run --quiet -p studio-cli --bin aidas -- demo "$@"
