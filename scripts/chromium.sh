#!/bin/sh
# The browser tests drive Debian's Chromium; install it when it is missing.
set -e
[ -x /usr/bin/chromium ] && exit 0
echo "installing Chromium from Debian (the browser tests need it)" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
