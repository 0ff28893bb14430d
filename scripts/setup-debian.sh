#!/usr/bin/env bash
# Installs what AIDAS Studio needs on Debian 12 — only the packages that are missing.
# Usage: scripts/setup-debian.sh [--gui]   (--gui adds what the desktop shell and browser tests need)
set -euo pipefail

want=(
  build-essential pkg-config file curl ca-certificates git
  # ffmpeg-next (in-process media) + bindgen
  clang libclang-dev libavcodec-dev libavformat-dev libavfilter-dev libavdevice-dev
  libavutil-dev libswscale-dev libswresample-dev
  # offline voices, Korean fonts, keyring (Secret Service for tests), dbus
  espeak-ng fonts-nanum dbus gnome-keyring libsecret-tools libdbus-1-dev
  # colour emoji and symbols for titles and thumbnails (found through the font database), time zones
  fonts-noto-color-emoji fonts-dejavu-core tzdata
)
gui=(
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
  libssl-dev libxdo-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  xvfb xauth x11-utils xdotool imagemagick dbus-x11 chromium libnotify-bin
  gstreamer1.0-libav gstreamer1.0-plugins-bad
)
if [ "${1:-}" = "--gui" ]; then want+=("${gui[@]}"); fi

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages present"
fi

if [ "${1:-}" = "--gui" ]; then
  # The UI toolchain (Vite 8) needs Node.js 20.19 or newer; Debian 12's own nodejs is 18.
  if ! command -v node >/dev/null 2>&1; then
    $SUDO apt-get install -y -qq --no-install-recommends nodejs npm || true
  fi
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    echo "setup: Node.js $(node --version 2>/dev/null || echo missing) is too old; the UI needs Node.js >= 20.19" >&2
    exit 1
  fi
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found — install Rust with rustup (https://rustup.rs), then re-run" >&2
  exit 1
fi
