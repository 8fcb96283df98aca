/**
 * user_config and the manifest's substitutions: the answers a person gives a bundle's questions, checked against
 * the manifest (types, required, min/max) with its defaults filled in, and the `${...}` templates of mcp_config.
 * Substitution applies to the manifest's templates — mcp_config and the defaults — never to what the person typed:
 * an answer is used exactly as entered, so a secret holding "${HOME}" or "${x}" is that secret, not a template.
 */
import { homedir } from "node:os";
import { join, sep } from "node:path";
import { visible } from "../internal/terminal.js";
import { TrellisError } from "../protocol/errors.js";
import type { UserConfigOption } from "./manifest.js";

export type UserConfigValues = Record<string, string | number | boolean | string[]>;

/**
 * One `${...}` in a template. The schema lets a user_config key be any string ("api.key" included), so there is
 * one pattern for what a template refers to: substitute replaces with it and userConfigRefs finds with it, and what
 * is masked on the consent screen is exactly what is substituted into the command.
 */
const REFERENCE = /\$\{([^}]+)\}/g;
const USER_CONFIG = "user_config.";

/** userConfigRefs lists the user_config keys a template refers to, read exactly as substitute reads them. */
export function userConfigRefs(text: string): string[] {
  return [...text.matchAll(REFERENCE)]
    .map((m) => m[1]!)
    .filter((name) => name.startsWith(USER_CONFIG))
    .map((name) => name.slice(USER_CONFIG.length));
}

/** The folders `${HOME}`, `${DESKTOP}`, ... stand for, and the path separator. */
function builtins(dir: string): Record<string, string> {
  const home = process.env.HOME ?? homedir();
  return {
    __dirname: dir,
    HOME: home,
    DESKTOP: join(home, "Desktop"),
    DOCUMENTS: join(home, "Documents"),
    DOWNLOADS: join(home, "Downloads"),
    pathSeparator: sep,
    "/": sep,
  };
}

/** An own value only: a template naming `${user_config.constructor}` must not reach Object.prototype. */
const ownValue = (config: UserConfigValues, key: string) => (Object.hasOwn(config, key) ? config[key] : undefined);

/**
 * substitute replaces `${__dirname}`, `${HOME}`, ... and `${user_config.X}` in a manifest's template; an unknown one
 * is an error. What is put in is not read again: a value holding `${...}` stays as it is.
 */
export function substitute(text: string, dir: string, config: UserConfigValues): string | string[] {
  const vars = builtins(dir);
  const whole = /^\$\{([^}]+)\}$/.exec(text)?.[1];
  if (whole?.startsWith(USER_CONFIG)) {
    const v = ownValue(config, whole.slice(USER_CONFIG.length));
    if (Array.isArray(v)) return v; // a multiple value becomes several arguments
  }
  return text.replace(REFERENCE, (m, name: string) => {
    if (name.startsWith(USER_CONFIG)) {
      const v = ownValue(config, name.slice(USER_CONFIG.length));
      if (v === undefined) return "";
      return Array.isArray(v) ? v.join(" ") : String(v);
    }
    if (Object.hasOwn(vars, name)) return vars[name]!;
    throw new TrellisError("INVALID_MESSAGE", `the manifest uses ${visible(m)}, which is not a known substitution`);
  });
}

/**
 * checkUserConfig validates answers against the manifest's user_config (types, required, min/max) and fills
 * defaults. A default is the manifest's and is substituted (`"${HOME}/notes"`); an answer is the person's and is not.
 */
export function checkUserConfig(
  options: Record<string, UserConfigOption> | undefined,
  answers: Record<string, string | undefined>,
  dir: string,
): UserConfigValues {
  const out: UserConfigValues = {};
  for (const [key, o] of Object.entries(options ?? {})) {
    const label = `${visible(o.title)} (${visible(key)})`;
    let raw: unknown = Object.hasOwn(answers, key) ? answers[key] : undefined;
    if (raw === undefined || raw === "") {
      raw = o.default;
      if (typeof raw === "string") raw = substitute(raw, dir, {});
      else if (Array.isArray(raw)) raw = raw.map((v) => (typeof v === "string" ? substitute(v, dir, {}) : v));
    }
    if (raw === undefined || raw === "") {
      if (o.required) throw new TrellisError("INVALID_MESSAGE", `${label} is required`);
      continue;
    }
    switch (o.type) {
      case "number": {
        const n = Number(raw);
        if (!Number.isFinite(n)) throw new TrellisError("INVALID_MESSAGE", `${label} must be a number`);
        if (o.min !== undefined && n < o.min) throw new TrellisError("INVALID_MESSAGE", `${label} must be at least ${o.min}`);
        if (o.max !== undefined && n > o.max) throw new TrellisError("INVALID_MESSAGE", `${label} must be at most ${o.max}`);
        out[key] = n;
        break;
      }
      case "boolean": {
        const v = String(raw).toLowerCase();
        if (!["true", "false", "yes", "no", "1", "0"].includes(v)) throw new TrellisError("INVALID_MESSAGE", `${label} must be yes or no`);
        out[key] = ["true", "yes", "1"].includes(v);
        break;
      }
      default: {
        const values = Array.isArray(raw)
          ? raw.map(String)
          : o.multiple
            ? String(raw)
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean)
            : [String(raw)];
        out[key] = o.multiple ? values : values[0]!;
      }
    }
  }
  return out;
}
