/**
 * Extensions (SEP-2133): identifiers and the `extensions` capability both sides declare. An extension is named
 * `{vendor-prefix}/{name}` under the spec's `_meta` key rules with the prefix mandatory, and each side lists the
 * ones it supports as a map of identifier to a settings object (an empty object when there are none).
 */
import { misuse } from "./errors.js";

/** A settings object: what one side says about its support for one extension. */
export type ExtensionSettings = Record<string, unknown>;
/** The `extensions` field of ClientCapabilities and ServerCapabilities. */
export type ExtensionsCapability = Record<string, ExtensionSettings>;

const LABEL = "[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
/** The identifier rule: `_meta` key rules (basic/index.mdx, "_meta") with a mandatory prefix and a non-empty name. */
export const EXTENSION_ID = new RegExp(`^${LABEL}(?:\\.${LABEL})*/[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$`);

/** checkExtensionId throws a misuse TypeError naming the rule when `id` is not a valid extension identifier. */
export function checkExtensionId(id: unknown, op: string): asserts id is string {
  if (typeof id === "string" && EXTENSION_ID.test(id)) return;
  throw misuse(
    `${op}: ${JSON.stringify(id)} is not an extension identifier; use "{vendor-prefix}/{name}" with a reversed domain you control as the prefix, such as "com.example/my-extension" (dot-separated labels of letters, digits and inner hyphens, then "/", then a name that starts and ends with a letter or digit)`,
  );
}

/** checkSettings throws when `settings` is not a plain JSON object, which the capability map requires. */
export function checkSettings(settings: unknown, op: string): asserts settings is ExtensionSettings {
  if (settings === undefined) return;
  if (typeof settings !== "object" || settings === null || Array.isArray(settings))
    throw misuse(`${op}: settings must be a JSON object (use {} for none); got ${Array.isArray(settings) ? "an array" : typeof settings}`);
  try {
    JSON.stringify(settings);
  } catch (err) {
    throw misuse(`${op}: settings must be serializable as JSON: ${(err as Error).message}`);
  }
}

/**
 * peerExtensions reads the peer's `extensions` capability, keeping only entries whose value is an object (a
 * malformed entry means no support), so handlers never see settings of the wrong shape.
 */
export function peerExtensions(capabilities: { extensions?: unknown } | undefined): ExtensionsCapability {
  const raw = capabilities?.extensions;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  const out: ExtensionsCapability = {};
  for (const [id, v] of Object.entries(raw)) if (typeof v === "object" && v !== null && !Array.isArray(v)) out[id] = v as ExtensionSettings;
  return out;
}

/** negotiate keeps, of the peer's extensions, those this side also supports: unknown ones are ignored (SEP-2133). */
export function negotiate(ours: Iterable<string>, peer: ExtensionsCapability): ExtensionsCapability {
  const out: ExtensionsCapability = {};
  for (const id of ours) if (Object.hasOwn(peer, id)) out[id] = peer[id]!;
  return out;
}
