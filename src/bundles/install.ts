/**
 * install / uninstall: a bundle, an npm package or a command becomes an entry in a client's configuration —
 * after the person saw exactly what will run and approved it. Nothing is written before the approval, and a
 * refusal leaves nothing behind. Bundles are unpacked under ~/.trellis/bundles/; user_config answers are kept
 * under ~/.trellis/config/ (readable by the owner only).
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { visible } from "../internal/terminal.js";
import { TrellisError } from "../protocol/errors.js";
import { readBundle, unpackBundle } from "./bundle.js";
import { addServer, configPath, readServer, removeServer, shape, type ClientName } from "./clients.js";
import { consentHash, launchOfManifest, type Launch } from "./launch.js";
import { problemList, type UserConfigOption } from "./manifest.js";
import { verifyBundle } from "./sign.js";
import { checkUserConfig } from "./user-config.js";

export const trellisHome = () => join(process.env.HOME ?? homedir(), ".trellis");

export interface InstallIo {
  /** Asks for the user_config values (sensitive ones must be read without echo). */
  ask(options: Record<string, UserConfigOption>): Promise<Record<string, string | undefined>>;
  /** Shows the launch and returns whether the person approved it. Not called for a dry run, which asks nothing. */
  confirm(launch: Launch): Promise<boolean>;
}

export interface InstallOptions {
  client: ClientName;
  /** Another configuration file than the client's usual one. */
  configPath?: string;
  /** Trust anchors for the bundle's signature (PEM). Default: the system's. */
  trusted?: string[];
  /**
   * Say what would change and write nothing: the result names the configuration file, the exact entry and, for a
   * bundle, the folder it would be unpacked into. No approval is asked (io.confirm is not called); io.ask still is,
   * for the answers the entry is made of.
   */
  dryRun?: boolean;
  /** The name to install under. Default: the manifest's or the package's. */
  name?: string;
}

export type InstallSource = { bundle: string } | { npm: string } | { command: string[] };

export interface InstallResult {
  installed: boolean;
  launch: Launch;
  configPath?: string;
  /** With dryRun: the entry that would be written, under its key in the file, secrets the person entered masked. */
  preview?: string;
  /** With dryRun: whether an entry of that name is already in the file (it would be replaced). */
  replaces?: boolean;
  /** For a bundle: the folder it is (or, with dryRun, would be) unpacked into. */
  target?: string;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * checkServerName is the rule for the name a local server is installed or run under — the name a person types to
 * approve it, and a key in a client's file and a folder name here: 1-64 of letters, digits, . _ and -. A bundle's
 * manifest may say anything; a name outside the rule is refused (with `fix`, what to do instead), never shown raw.
 */
export function checkServerName(name: string, fix = "pass --name"): void {
  if (!NAME.test(name))
    throw new TrellisError("INVALID_MESSAGE", `the server name "${visible(name)}" must be 1-64 of letters, digits, . _ -; ${fix}`);
}

/** install shows, asks, then writes. */
export async function install(source: InstallSource, o: InstallOptions, io: InstallIo): Promise<InstallResult> {
  let launch: Launch;
  let bundleBytes: Uint8Array | undefined;
  let target: string | undefined;
  let userConfig: Record<string, string | number | boolean | string[]> = {};
  // The entry holds a secret whenever a sensitive option has a value, whatever the screen masked: owner-only file.
  let secret = false;
  if ("bundle" in source) {
    bundleBytes = new Uint8Array(await readFile(source.bundle));
    const b = readBundle(bundleBytes);
    if (b.problems.length) throw new TrellisError("INVALID_MESSAGE", `the bundle's manifest is not valid: ${problemList(b.problems)}`);
    const name = o.name ?? b.manifest.name;
    checkServerName(name);
    target = join(trellisHome(), "bundles", `${name}-${b.manifest.version}`.replace(/[^A-Za-z0-9._-]/g, "_"));
    const signature = await verifyBundle(bundleBytes, { trusted: o.trusted });
    // A signature that is there but wrong means the bundle was changed after signing: never install that.
    if (signature.status === "invalid" || signature.status === "malformed")
      throw new TrellisError(
        "VERIFICATION_FAILED",
        `the bundle's signature is ${signature.status}: ${visible(signature.reason ?? "")}; it was not installed`,
      );
    const answers = b.manifest.user_config && Object.keys(b.manifest.user_config).length ? await io.ask(b.manifest.user_config) : {};
    userConfig = checkUserConfig(b.manifest.user_config, answers, target);
    secret = Object.entries(b.manifest.user_config ?? {}).some(([k, opt]) => opt.sensitive === true && userConfig[k] !== undefined);
    launch = {
      ...launchOfManifest(
        b.manifest,
        target,
        userConfig,
        { kind: "bundle", detail: source.bundle, version: b.manifest.version },
        signature,
      ),
      name,
      contentHash: createHash("sha256").update(bundleBytes).digest("hex"),
    };
  } else if ("npm" in source) {
    if (!/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+(@[A-Za-z0-9._^~<>=|-]+)?$/.test(source.npm))
      throw new TrellisError("INVALID_MESSAGE", `${visible(source.npm)} is not an npm package name`);
    const name = o.name ?? source.npm.replace(/^@[^/]+\//, "").replace(/@.*$/, "");
    launch = { name, command: "npx", args: ["-y", source.npm], env: {}, sensitiveEnv: [], origin: { kind: "npm", detail: source.npm } };
  } else {
    const [command, ...args] = source.command;
    if (!command) throw new TrellisError("INVALID_MESSAGE", "give the command to run after --");
    const name =
      o.name ??
      command
        .split(/[\\/]/)
        .pop()!
        .replace(/\.[a-z]+$/, "");
    launch = { name, command, args, env: {}, sensitiveEnv: [], origin: { kind: "command", detail: source.command.join(" ") } };
  }
  checkServerName(launch.name);
  const entry = { command: launch.command, args: launch.args, env: launch.env };
  if (o.dryRun) {
    const path = o.configPath ?? configPath(o.client);
    const { key, entry: shown } = shape(o.client, {
      ...entry,
      ...(launch.display ? { command: launch.display.command ?? launch.command, args: launch.display.args, env: launch.display.env } : {}),
    });
    return {
      installed: false,
      launch,
      configPath: path,
      preview: JSON.stringify({ [key]: { [launch.name]: shown } }, null, 2),
      replaces: (await readServer(o.client, launch.name, { path })) !== undefined,
      target,
    };
  }
  if (!(await io.confirm(launch))) return { installed: false, launch };
  try {
    if (bundleBytes && target) {
      // Unpacked beside the target first, then swapped in: a failure leaves an earlier install as it was.
      const staging = `${target}.new-${process.pid}`;
      await rm(staging, { recursive: true, force: true });
      await unpackBundle(bundleBytes, staging);
      await rm(target, { recursive: true, force: true });
      await rename(staging, target);
    }
    const configPath = await addServer(o.client, launch.name, entry, {
      path: o.configPath,
      secret: secret || launch.display !== undefined,
    });
    await recordInstall(launch, { client: o.client, configPath, target, userConfig });
    return { installed: true, launch, configPath, target };
  } catch (err) {
    if (target) await rm(target, { recursive: true, force: true });
    throw err;
  }
}

interface InstallRecord {
  client: ClientName;
  configPath: string;
  target?: string;
  consent: string;
  approvedAt: string;
}

async function records(): Promise<Record<string, InstallRecord>> {
  try {
    return JSON.parse(await readFile(join(trellisHome(), "installed.json"), "utf8")) as Record<string, InstallRecord>;
  } catch {
    return {};
  }
}

async function recordInstall(
  l: Launch,
  r: { client: ClientName; configPath: string; target?: string; userConfig: Record<string, unknown> },
): Promise<void> {
  await mkdir(trellisHome(), { recursive: true, mode: 0o700 });
  const all = await records();
  all[l.name] = {
    client: r.client,
    configPath: r.configPath,
    target: r.target,
    consent: consentHash(l),
    approvedAt: new Date().toISOString(),
  };
  await writeFile(join(trellisHome(), "installed.json"), `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  if (Object.keys(r.userConfig).length) {
    await mkdir(join(trellisHome(), "config"), { recursive: true, mode: 0o700 });
    await writeFile(join(trellisHome(), "config", `${l.name}.json`), `${JSON.stringify(r.userConfig, null, 2)}\n`, { mode: 0o600 });
  }
}

/** uninstall reverses install: the client entry, the unpacked bundle, the saved answers. */
export async function uninstall(name: string): Promise<{ removed: boolean; configPath?: string }> {
  const all = await records();
  const r = all[name];
  if (!r) return { removed: false };
  await removeServer(r.client, name, { path: r.configPath });
  if (r.target) await rm(r.target, { recursive: true, force: true });
  await rm(join(trellisHome(), "config", `${name}.json`), { force: true });
  delete all[name];
  await writeFile(join(trellisHome(), "installed.json"), `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  return { removed: true, configPath: r.configPath };
}
