#!/bin/sh
# Starts the built binary on a free port with a fresh demo database, runs the browser
# walkthrough against it, and stops it. Screenshots land in test-output/e2e/.
set -eu
bin="$1"
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18080)
# Message links (frontend/e2e/actlink.mjs): signed links to this server, and the signed webhook the
# script receives on loopback. The link TTL stays the default; expiry is proven by TestActionLinks.
export SLUICE_WEBHOOK_SIGNING_KEY=e2e-webhook-signing-key
SLUICE_WEBHOOK_ALLOW_PRIVATE=true SLUICE_NOTIFY_LINK_KEY=e2e-link-key-0123456789abcdef0123456789 \
SLUICE_NOTIFY_BASE_URL="http://127.0.0.1:$port" \
SLUICE_ADMIN_PASSWORD=admin-e2e-pass "$bin" serve --demo --addr "127.0.0.1:$port" --db "sqlite://$dir/e2e.db" >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
i=0
until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
  i=$((i+1))
  if [ $i -gt 60 ] || ! kill -0 $pid 2>/dev/null; then echo "server did not start:"; cat "$dir/server.log"; exit 1; fi
  sleep 0.5
done
SLUICE_URL="http://127.0.0.1:$port" npm run e2e || { echo "--- server log"; tail -50 "$dir/server.log"; exit 1; }
