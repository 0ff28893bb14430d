#!/usr/bin/env bash
# Desktop smoke test: builds the Tauri app, starts it under Xvfb (in a private D-Bus session) on a temporary data
# directory with one planned series, checks that the main window exists and that the UI inside it loaded and called
# the engine over IPC, then works it with the keyboard (xdotool) as a person would: picks the series on the overview
# (the dashboard loads it), opens Review, and goes back to the overview. Screenshots in target/desktop-smoke*.png.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f ui/dist/index.html ] || (cd ui && npm run build)
cargo build -p aidas-desktop --features custom-protocol
cargo build -p studio-cli
data=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$data" "$log"' EXIT
export AIDAS_DATA_DIR="$data" AIDAS_SECRETS_BACKEND=env AIDAS_LOG=info WEBKIT_DISABLE_COMPOSITING_MODE=1
target/debug/aidas series new --title "데스크톱 시험" --genre thriller --episodes 2 --duration 1 --writer offline >/dev/null
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
  target/debug/aidas-studio >"$0" 2>&1 &
  pid=$!
  ok=0
  for i in $(seq 90); do
    if xwininfo -root -tree 2>/dev/null | grep -q "\"AIDAS Studio\"" && grep -q "ui call.*series_list\|command=series_list" "$0"; then
      ok=1; break
    fi
    sleep 1
  done
  import -window root target/desktop-smoke.png 2>/dev/null || true
  calls() { grep -c "command=$1" "$0" || true; }
  # Wait until the engine has answered `n` calls of a command (the UI logs each call as it makes it).
  wait_calls() { for i in $(seq 30); do [ "$(calls "$1")" -ge "$2" ] && return 0; sleep 1; done; echo "no $1 call" >&2; return 1; }
  if [ $ok = 1 ]; then
    win=$(xdotool search --name "^AIDAS Studio$" | head -1)
    xdotool windowfocus --sync "$win" 2>/dev/null || true
    sleep 1
    # The overview first (the first screen link), then past the other 8 links and the language button to the series
    # picker, and the first series. (WebKitGTK opens the list of a select as a menu: open it, move, take it.)
    xdotool key --delay 120 Tab Return
    sleep 1
    xdotool key --delay 120 Tab Tab Tab Tab Tab Tab Tab Tab Tab Tab space
    sleep 1
    xdotool key --delay 200 Down Return
    wait_calls series_dashboard 1 || ok=0
    sleep 2; import -window root target/desktop-smoke-dashboard.png 2>/dev/null || true
    # Review: back over the language button, Settings and Viewers to the Review link.
    xdotool key --delay 120 shift+Tab shift+Tab shift+Tab shift+Tab Return
    wait_calls review_list 1 || ok=0
    sleep 2; import -window root target/desktop-smoke-review.png 2>/dev/null || true
    # And the overview again, six links up: it loads the series once more.
    before=$(calls series_dashboard)
    xdotool key --delay 120 shift+Tab shift+Tab shift+Tab shift+Tab shift+Tab shift+Tab Return
    wait_calls series_dashboard $((before + 1)) || ok=0
  fi
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  [ $ok = 1 ]
' "$log" || { echo "desktop smoke test failed; the app said:"; tail -40 "$log"; exit 1; }
echo "desktop smoke test: the main window loaded the UI, the overview loaded the series, Review opened and the overview again (target/desktop-smoke*.png)"
