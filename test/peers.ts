/**
 * The test peers that declare Node >= 22 (the conformance suite, the AI SDK's MCP client, fastmcp) are not the
 * repository's devDependencies: scripts/peers.sh installs them with Node 24's npm into .cache/peers, so that `npm ci`
 * on Node 20 has no engine warnings, and scripts/test.mjs says where (TRELLIS_PEERS). This finds them there.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

function peers(): string {
  const dir = process.env.TRELLIS_PEERS;
  if (!dir) throw new Error("the test peers are installed by scripts/peers.sh: run the tests through `npm test` (or set TRELLIS_PEERS)");
  return dir;
}

/** resolvePeer resolves `spec` (a package or a file in one) as the peers' own node_modules would. */
export function resolvePeer(spec: string): string {
  return createRequire(join(peers(), "package.json")).resolve(spec);
}

/** importPeer imports a peer's ES module entry (`exports` "import" condition) by its package name. */
export async function importPeer<T>(name: string): Promise<T> {
  const dir = join(peers(), "node_modules", name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    exports?: Record<string, unknown> | string;
    module?: string;
    main?: string;
  };
  const root = typeof pkg.exports === "object" && pkg.exports !== null ? (pkg.exports["."] ?? pkg.exports) : pkg.exports;
  const entry = pickImport(root) ?? pkg.module ?? pkg.main ?? "index.js";
  return (await import(pathToFileURL(join(dir, entry)).href)) as T;
}

function pickImport(e: unknown): string | undefined {
  if (typeof e === "string") return e;
  if (typeof e !== "object" || e === null) return undefined;
  const o = e as Record<string, unknown>;
  return pickImport(o.import) ?? pickImport(o.node) ?? pickImport(o.default);
}
