#!/bin/sh
# Prints a PostgreSQL URL for the tests when PostgreSQL is installed here, starting the
# cluster first if it is stopped. Prints nothing when PostgreSQL is not installed.
url="$1"
command -v pg_ctlcluster >/dev/null 2>&1 || exit 0
[ -d /etc/postgresql ] || exit 0
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  ver=$(ls /etc/postgresql | head -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 || exit 0
  i=0
  while ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && [ $i -lt 30 ]; do sleep 1; i=$((i+1)); done
fi
echo "$url"
