#!/usr/bin/env bash
# Installs the test peers that declare Node >= 22 (test/peers/package.json: the conformance suite, the AI SDK's MCP
# client, fastmcp) into .cache/peers with Node 24's npm, where their engines hold, so that `npm ci` of the
# repository on Node 20 warns about nothing. The tests load them from there on either Node (they run on 20 too; only
# their declared engines say otherwise). Idempotent: reinstalls when test/peers' lock changes. Prints the folder
# holding their node_modules.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.cache/peers"
node24="$(bash "$root/scripts/node24.sh")"
npm_cli="$(npm prefix -g)/lib/node_modules/npm/bin/npm-cli.js"
[ -f "$npm_cli" ] || npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
stamp="$(cat "$root/test/peers/package.json" "$root/test/peers/package-lock.json" | sha256sum | cut -c1-16)"
if [ ! -f "$dir/.stamp" ] || [ "$(cat "$dir/.stamp")" != "$stamp" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$root/test/peers/package.json" "$root/test/peers/package-lock.json" "$dir/"
  (cd "$dir" && "$node24" "$npm_cli" ci --no-audit --no-fund --loglevel=error >&2)
  echo "$stamp" > "$dir/.stamp"
fi
echo "$dir"
