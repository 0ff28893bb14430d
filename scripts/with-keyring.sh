#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (a real Secret Service), keeping
# the test keyring out of $HOME. Usage: scripts/with-keyring.sh CMD [ARGS...]
# The daemons live only as long as the session: dbus-run-session ends them when CMD exits.
set -euo pipefail
if [ "${AIDAS_IN_KEYRING_SESSION:-}" != 1 ]; then
  export AIDAS_IN_KEYRING_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi
XDG_DATA_HOME=$(mktemp -d); XDG_RUNTIME_DIR=$(mktemp -d); export XDG_DATA_HOME XDG_RUNTIME_DIR
chmod 700 "$XDG_RUNTIME_DIR"
trap 'rm -rf "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"' EXIT
# The password must be non-empty, or the login collection stays locked and every write fails.
eval "$(printf 'aidas-test-keyring' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL AIDAS_REQUIRE_KEYRING=1
"$@"
