/**
 * Launching local servers safely (SEP-1024): what will run is described exactly — the command and every
 * argument, the environment variable names, where it came from, its signature — before anything runs or is
 * written, and a person's consent is recorded against a hash of exactly that, so a changed command asks again.
 * Secrets the person entered are masked wherever they are put in (user_config and substitutions: user-config.ts).
 */
import { createHash } from "node:crypto";
import { visible } from "../internal/terminal.js";
import { TrellisError } from "../protocol/errors.js";
import type { BundleManifest, UserConfigOption } from "./manifest.js";
import type { SignatureReport } from "./sign.js";
import { checkUserConfig, substitute, userConfigRefs, type UserConfigValues } from "./user-config.js";

/** Launch is what will run: shown to the person, hashed for the consent record. */
export interface Launch {
  /** A short name for the server (the manifest's name, or the package's). */
  name: string;
  command: string;
  args: string[];
  /** Environment the server gets, by name; values of sensitive options are marked so they are never shown. */
  env: Record<string, string>;
  sensitiveEnv: string[];
  /** Where it came from: a bundle file, an npm package, or a command typed by the person. */
  origin: { kind: "bundle" | "npm" | "command"; detail: string; version?: string };
  signature?: SignatureReport;
  /** SHA-256 of the bundle's bytes, when it comes from one: a changed bundle is another launch. */
  contentHash?: string;
  /**
   * What to show instead of the real values: arguments and environment with the secrets the person entered masked,
   * the rest as written. `masked` says whether anything is (absent: assume so); `defaults` lists the sensitive
   * options left at the bundle's own default, which are shown in clear because the person did not enter them.
   */
  display?: {
    /** The command as shown, when a secret is substituted into it (absent: the command itself). */
    command?: string;
    args: string[];
    env: Record<string, string>;
    masked?: boolean;
    defaults?: Array<{ option: string; title: string; value: string }>;
  };
}

/** consentHash is what a consent is recorded against: the command, its arguments and the environment's names. */
export function consentHash(
  l: Pick<Launch, "command" | "args" | "env"> & Partial<Pick<Launch, "sensitiveEnv" | "origin" | "contentHash">>,
): string {
  // Secret values are not part of it (changing a key does not ask again); everything else that decides what runs is.
  const env = Object.keys(l.env)
    .sort()
    .map((k) => [k, l.sensitiveEnv?.includes(k) ? null : l.env[k]]);
  return createHash("sha256")
    .update(JSON.stringify([l.command, l.args, env, l.origin?.kind ?? null, l.origin?.detail ?? null, l.contentHash ?? null]))
    .digest("hex");
}

/** ConsentStore remembers which launches a person approved (by consentHash). */
export interface ConsentStore {
  has(hash: string): boolean | Promise<boolean>;
  record(hash: string, launch: Launch): void | Promise<void>;
}

/**
 * withConsent runs `start` only when this exact launch was approved before or `ask` (which receives the exact
 * command to show) approves it now; the approval is recorded. A refusal throws and nothing starts.
 */
export async function withConsent<T>(
  launch: Launch,
  store: ConsentStore,
  ask: (launch: Launch) => Promise<boolean>,
  start: () => T | Promise<T>,
): Promise<T> {
  const hash = consentHash(launch);
  if (!(await store.has(hash))) {
    if (!(await ask(launch))) throw new TrellisError("REQUEST_FAILED", `starting ${visible(launch.name)} was not approved`);
    await store.record(hash, launch);
  }
  return start();
}

/**
 * platformConfig is the mcp_config that runs on `platform`: the manifest's own, with that platform's entry of
 * platform_overrides applied field by field. `override` names the entry used, if any: an override can replace the
 * command entirely, so whatever shows a bundle's command shows this one, and says it is an override.
 */
export function platformConfig(
  cfg: BundleManifest["server"]["mcp_config"],
  platform: string = process.platform,
): { command: string; args: string[]; env: Record<string, string>; override?: string } {
  const overrides = (cfg.platform_overrides ?? {}) as Record<string, Partial<typeof cfg>>;
  const o = Object.hasOwn(overrides, platform) ? overrides[platform] : undefined;
  return {
    command: o?.command ?? cfg.command,
    args: o?.args ?? cfg.args ?? [],
    env: o?.env ?? cfg.env ?? {},
    ...(o ? { override: platform } : {}),
  };
}

/** launchOfManifest turns an unpacked bundle's manifest and the person's answers into the exact launch. */
export function launchOfManifest(
  manifest: BundleManifest,
  dir: string,
  config: UserConfigValues,
  origin: Launch["origin"],
  signature?: SignatureReport,
): Launch {
  const run = platformConfig(manifest.server.mcp_config);
  const command = String(substitute(run.command, dir, config));
  const args = run.args.flatMap((a) => substitute(a, dir, config));
  const env: Record<string, string> = {};
  const options = manifest.user_config ?? {};
  // A sensitive option left at the bundle's own default holds what the manifest says, not something the person
  // entered: masking it would hide exactly what will run (a default of "--eval=..." in the arguments, say). So only
  // the values that differ from the default are secrets; a default is shown in clear, and labelled as the bundle's.
  const fromDefault = new Set(
    Object.entries(options)
      .filter(([k, o]) => o.sensitive && config[k] !== undefined && isDefault(k, o, config[k]!, dir))
      .map(([k]) => k),
  );
  const secretKeys = new Set(
    Object.entries(options)
      .filter(([k, o]) => o.sensitive && !fromDefault.has(k))
      .map(([k]) => k),
  );
  // For the screen and logs: the same templates — command, arguments, environment — substituted with every value
  // the person entered for a sensitive option masked. References are found by the parser substitute uses, so a key
  // of any spelling ("api.key") is masked exactly where it is put in.
  const shown = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, secretKeys.has(k) ? "********" : v]));
  const usesSecret = (text: string) => userConfigRefs(text).some((k) => secretKeys.has(k));
  const sensitiveEnv: string[] = [];
  const displayEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(run.env)) {
    const s = substitute(v, dir, config);
    env[k] = Array.isArray(s) ? s.join(" ") : s;
    const d = substitute(v, dir, shown);
    displayEnv[k] = Array.isArray(d) ? d.join(" ") : d;
    if (usesSecret(v)) sensitiveEnv.push(k);
  }
  const templates = [run.command, ...run.args, ...Object.values(run.env)];
  const masked = templates.some(usesSecret);
  const used = new Set(templates.flatMap(userConfigRefs));
  const defaults = [...fromDefault]
    .filter((k) => used.has(k))
    .map((k) => ({ option: k, title: options[k]!.title, value: [config[k]!].flat().map(String).join(" ") }));
  return {
    name: manifest.name,
    command,
    args,
    env,
    sensitiveEnv,
    origin,
    signature,
    ...(masked || defaults.length
      ? {
          display: {
            command: String(substitute(run.command, dir, shown)),
            args: run.args.flatMap((a) => substitute(a, dir, shown)),
            env: displayEnv,
            masked,
            ...(defaults.length ? { defaults } : {}),
          },
        }
      : {}),
  };
}

/** isDefault: whether an option's value is what its manifest default gives (checked and substituted the same way). */
function isDefault(key: string, o: UserConfigOption, value: string | number | boolean | string[], dir: string): boolean {
  if (o.default === undefined) return false;
  try {
    return JSON.stringify(checkUserConfig({ [key]: o }, {}, dir)[key]) === JSON.stringify(value);
  } catch {
    return false;
  }
}

/** wrap breaks text into lines of at most `width` columns, cutting long words too: nothing is ever truncated. */
export function wrap(text: string, width: number, indent = ""): string[] {
  const room = Math.max(10, width - indent.length);
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    let w = word;
    if ((line ? line.length + 1 : 0) + w.length <= room) {
      line = line ? `${line} ${w}` : w;
      continue;
    }
    if (line) lines.push(line);
    line = "";
    while (w.length > room) {
      lines.push(w.slice(0, room));
      w = w.slice(room);
    }
    line = w;
  }
  if (line || lines.length === 0) lines.push(line);
  return lines.map((l) => indent + l);
}

/** shellQuote shows one argument as a shell would need it, control characters made visible. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${visible(arg).replace(/'/g, `'\\''`)}'`;
}

/** commandLine is the command as shown and logged: quoted, control characters visible, secrets masked. */
export function commandLine(l: Launch): string {
  return [l.display?.command ?? l.command, ...(l.display?.args ?? l.args)].map(shellQuote).join(" ");
}

/** describeLaunch is the SEP-1024 screen: the exact command, untruncated, the environment names, origin, signature, warning. */
export function describeLaunch(l: Launch, width = 80): string {
  const out: string[] = ["", `Install the local MCP server "${visible(l.name)}"`, ""];
  out.push(
    ...wrap(
      `Source: ${l.origin.kind === "bundle" ? "bundle" : l.origin.kind === "npm" ? "npm package" : "command"} ${visible(l.origin.detail)}${l.origin.version ? ` (version ${visible(l.origin.version)})` : ""}`,
      width,
    ),
  );
  if (l.origin.kind === "bundle") {
    const s = l.signature;
    out.push(
      ...wrap(
        visible(
          `Signature: ${!s ? "not checked" : s.status === "signed" ? `signed by ${s.signer!.subject} (chain: ${s.chain!.join(" → ")})` : `${s.status.toUpperCase()}${s.reason ? ` — ${s.reason}` : ""}${s.signer ? ` (signer: ${s.signer.subject})` : ""}`}`,
        ),
        width,
      ),
    );
  }
  out.push("", "It will run this command, exactly:");
  out.push(...wrap(commandLine(l), width, "    "));
  const names = Object.keys(l.env);
  if (names.length) {
    out.push("", "with these environment variables:");
    for (const k of names) {
      const value = l.display?.env[k] ?? (l.sensitiveEnv.includes(k) ? "******** (hidden)" : l.env[k]!);
      out.push(...wrap(`${visible(k)}=${visible(value)}`, width, "    "));
    }
  }
  if (l.display?.defaults?.length) {
    out.push("", ...wrap("Shown in clear: these sensitive options are left at the bundle's own default (you did not enter them):", width));
    for (const d of l.display.defaults) out.push(...wrap(`${visible(d.title)} (${visible(d.option)}): ${visible(d.value)}`, width, "    "));
  }
  if (l.display && l.display.masked !== false) out.push("", "(******** stands for the secret values you entered.)");
  out.push(
    "",
    ...wrap(
      "WARNING: a local MCP server runs with your privileges. It can read, change and delete your files, run other programs and use your network. Install it only if you trust where it came from.",
      width,
    ),
    "",
  );
  return out.join("\n");
}
