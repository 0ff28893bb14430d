#!/usr/bin/env bash
# Sets up this Debian 12 machine (only missing packages) and runs the main job: `aidas demo`.
# Extra arguments go to `aidas demo` (e.g. --data-dir DIR, --json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
if [ ! -x target/debug/aidas ]; then
  echo "demo: building AIDAS Studio (the first build takes about 5 minutes on 2 cores; cargo shows its progress)" >&2
fi
# cargo prints its progress (one line per crate compiled) on stderr while it builds.
cargo run -p studio-cli --bin aidas -- demo "$@"
