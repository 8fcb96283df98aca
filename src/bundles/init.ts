/**
 * initManifest writes a bundle's manifest.json for a server folder: names and versions from its package.json,
 * and the tools and prompts asked of the server itself — started over stdio with the manifest's own command — and
 * flagged tools_generated / prompts_generated.
 */
import { readFile, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { McpClient } from "../client/client.js";
import { StdioClientTransport } from "../transports/stdio-client.js";
import { TrellisError } from "../protocol/errors.js";
import { checkManifest, LATEST_MANIFEST_VERSION, problemList, type BundleManifest } from "./manifest.js";

/** The manifest substitution for the bundle folder, written as is into manifests. */
const DIRNAME = `$${"{"}__dirname}`;

export interface InitOptions {
  /** The server's entry point, relative to the folder. Default: package.json's main, else server/index.js. */
  entry?: string;
  type?: BundleManifest["server"]["type"];
  name?: string;
  version?: string;
  description?: string;
  author?: string;
  /** Replace an existing manifest.json. */
  force?: boolean;
  /** How long the server may take to answer, ms. Default 20 000. */
  timeoutMs?: number;
}

export async function initManifest(dir: string, o: InitOptions = {}): Promise<BundleManifest> {
  const path = join(dir, "manifest.json");
  if (
    !o.force &&
    (await readFile(path).then(
      () => true,
      () => false,
    ))
  )
    throw new TrellisError("INVALID_MESSAGE", `${path} exists; pass --force to replace it`);
  const pkg = (await readFile(join(dir, "package.json"), "utf8").then(JSON.parse, () => ({}))) as Record<string, unknown>;
  const type = o.type ?? "node";
  const entry = o.entry ?? (typeof pkg.main === "string" ? pkg.main : type === "python" ? "server/main.py" : "server/index.js");
  const command = type === "python" ? "python3" : type === "uv" ? "uv" : type === "binary" ? `\${__dirname}/${entry}` : "node";
  const args = type === "binary" ? [] : type === "uv" ? ["run", `\${__dirname}/${entry}`] : [`\${__dirname}/${entry}`];
  const author =
    o.author ?? (typeof pkg.author === "string" ? pkg.author : (pkg.author as { name?: string } | undefined)?.name) ?? "unknown";
  const client = new McpClient({ name: "trellis-bundle-init", version: "0.1.0" });
  const abs = resolve(dir);
  const run = (a: string) => a.replace(DIRNAME, abs);
  try {
    const connecting = client.connect(new StdioClientTransport({ command: run(command), args: args.map(run), cwd: abs }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = o.timeoutMs ?? 20_000;
    await Promise.race([
      connecting,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer to initialize within ${limit} ms`)), limit);
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (err) {
    throw new TrellisError(
      "REQUEST_FAILED",
      `could not start the server to ask for its tools (${[run(command), ...args.map(run)].join(" ")}): ${(err as Error).message}`,
    );
  }
  try {
    const caps = client.serverCapabilities ?? {};
    const tools = caps.tools
      ? (await client.listAllTools()).map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}) }))
      : [];
    const prompts = caps.prompts
      ? (await client.listAllPrompts()).map((p) => ({
          name: p.name,
          ...(p.description ? { description: p.description } : {}),
          ...(p.arguments?.length ? { arguments: p.arguments.map((a) => a.name) } : {}),
          text: p.description ?? p.name,
        }))
      : [];
    const manifest: BundleManifest = {
      manifest_version: LATEST_MANIFEST_VERSION,
      name: o.name ?? (typeof pkg.name === "string" ? pkg.name.replace(/^@[^/]+\//, "") : basename(abs)),
      version: o.version ?? (typeof pkg.version === "string" ? pkg.version : "1.0.0"),
      description:
        o.description ?? (typeof pkg.description === "string" ? pkg.description : (client.serverInfo?.description ?? "An MCP server")),
      author: { name: author },
      server: { type, entry_point: entry, mcp_config: { command, args, env: {} } },
      tools,
      tools_generated: true,
      prompts,
      prompts_generated: true,
    };
    const problems = checkManifest(manifest);
    if (problems.length) throw new TrellisError("INVALID_MESSAGE", `the manifest made would not be valid: ${problemList(problems)}`);
    await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    await client.close().catch(() => {});
  }
}
