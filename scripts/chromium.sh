#!/bin/sh
# The browser tests drive Debian's Chromium; install it when it is missing, and a CJK font
# when there is none (else the screenshots show boxes for Chinese text).
set -e
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
pkgs=""
if [ ! -x /usr/bin/chromium ]; then
  pkgs="chromium fonts-wqy-microhei"
elif command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  pkgs="fonts-wqy-microhei"
fi
[ -n "$pkgs" ] || exit 0
echo "installing $pkgs from Debian (the browser tests need them)" >&2
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $pkgs
