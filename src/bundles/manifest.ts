/**
 * The bundle manifest (manifest.json, MCPB v0.3 and v0.4): checked against the official schema of its version,
 * every problem reported with the JSON pointer of the field and what to do about it.
 */
import { violationsOf, type SchemaViolation } from "../internal/schema.js";
import { visible } from "../internal/terminal.js";
import { MANIFEST_SCHEMAS } from "./schemas.js";

export const MANIFEST_VERSIONS = Object.keys(MANIFEST_SCHEMAS);
export const LATEST_MANIFEST_VERSION = "0.4";

/** The fields Trellis reads; everything else is carried as is. */
export interface BundleManifest {
  manifest_version?: string;
  dxt_version?: string;
  name: string;
  display_name?: string;
  version: string;
  description: string;
  author: { name: string; email?: string; url?: string };
  server: {
    type: "node" | "python" | "binary" | "uv";
    entry_point: string;
    mcp_config: { command: string; args?: string[]; env?: Record<string, string>; platform_overrides?: Record<string, unknown> };
  };
  tools?: Array<{ name: string; description?: string }>;
  prompts?: Array<{ name: string; description?: string; arguments?: string[]; text?: string }>;
  user_config?: Record<string, UserConfigOption>;
  [field: string]: unknown;
}

export interface UserConfigOption {
  type: "string" | "number" | "boolean" | "directory" | "file";
  title: string;
  description: string;
  required?: boolean;
  default?: string | number | boolean | string[];
  multiple?: boolean;
  sensitive?: boolean;
  min?: number;
  max?: number;
}

export interface ManifestProblem {
  /** JSON pointer into manifest.json ("" for the whole document). */
  pointer: string;
  message: string;
}

const checkers = new Map<string, (v: unknown) => SchemaViolation[]>();

/** manifestVersion is the version a manifest declares (manifest_version, or the older dxt_version). */
export function manifestVersion(m: unknown): string | undefined {
  const o = m as { manifest_version?: unknown; dxt_version?: unknown } | null;
  const v = o?.manifest_version ?? o?.dxt_version;
  return typeof v === "string" ? v : undefined;
}

/** checkManifest lists what is wrong with a manifest; an empty list means it is valid for its version. */
export function checkManifest(manifest: unknown): ManifestProblem[] {
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest))
    return [{ pointer: "", message: "manifest.json must hold a JSON object" }];
  const version = manifestVersion(manifest);
  if (!version) return [{ pointer: "/manifest_version", message: `missing: add "manifest_version": "${LATEST_MANIFEST_VERSION}"` }];
  const schema = MANIFEST_SCHEMAS[version];
  if (!schema)
    return [
      {
        pointer: (manifest as { manifest_version?: unknown }).manifest_version !== undefined ? "/manifest_version" : "/dxt_version",
        message: `version ${JSON.stringify(version)} is not one Trellis knows (${MANIFEST_VERSIONS.join(", ")}); use "${LATEST_MANIFEST_VERSION}"`,
      },
    ];
  let check = checkers.get(version);
  if (!check) checkers.set(version, (check = violationsOf(schema)));
  const problems = check(manifest).map(explain);
  const m = manifest as Partial<BundleManifest>;
  const entry = m.server?.entry_point;
  if (typeof entry === "string" && (entry.startsWith("/") || entry.split(/[\\/]/).includes("..")))
    problems.push({ pointer: "/server/entry_point", message: 'must be a path inside the bundle (relative, no "..")' });
  // Keep one message per pointer and keyword: anyOf branches repeat themselves.
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(`${p.pointer} ${p.message}`) && seen.add(`${p.pointer} ${p.message}`));
}

/** explain turns one schema violation into a message that says what to change. */
function explain(v: SchemaViolation): ManifestProblem {
  const p = v.params;
  switch (v.keyword) {
    case "required":
      return { pointer: `${v.pointer}/${String(p.missingProperty)}`, message: `missing: add "${String(p.missingProperty)}"` };
    case "additionalProperties":
      return {
        pointer: `${v.pointer}/${String(p.additionalProperty)}`,
        message: `"${String(p.additionalProperty)}" is not a field of this manifest version: remove it (or keep custom data under "_meta")`,
      };
    case "enum":
      return { pointer: v.pointer, message: `must be one of ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(", ")}` };
    case "const":
      return { pointer: v.pointer, message: `must be ${JSON.stringify(p.allowedValue)}` };
    case "type":
      return { pointer: v.pointer, message: `must be of type ${String(p.type)}` };
    default:
      return { pointer: v.pointer, message: v.message };
  }
}

/**
 * formatProblems renders problems one per line: "manifest.json#/server/type: must be one of ...". Pointers and
 * messages quote the manifest's own keys, so they are made visible: one problem is always one line, as printed.
 */
export function formatProblems(problems: ManifestProblem[], file = "manifest.json"): string {
  return problems.map((p) => visible(`${file}#${p.pointer}: ${p.message}`)).join("\n");
}

/** problemList renders problems on one line ("#/author missing: add ...; #/server ..."), made visible, for errors. */
export function problemList(problems: ManifestProblem[]): string {
  return problems.map((p) => visible(`#${p.pointer} ${p.message}`)).join("; ");
}
