#!/usr/bin/env bash
# Install the Debian/Ubuntu libraries Qt needs, and PostgreSQL for the training hub's tests (as
# root with apt-get); otherwise say what to install.
set -eu
PACKAGES="libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0
 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0
 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xfixes0 libxcb-xkb1 libx11-xcb1
 libwayland-client0 libwayland-cursor0 fonts-dejavu-core postgresql ${EXTRA_PACKAGES:-}"

command -v dpkg-query >/dev/null 2>&1 || { echo "Not Debian/Ubuntu: install Qt 6's xcb/EGL libraries yourself."; exit 0; }
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "Please install these system packages first (as root):"
  echo "  sudo apt-get install$missing"
  exit 1
fi
