/**
 * Version negotiation and the differences between revisions. Trellis answers a client in the revision it
 * asked for when it speaks it, and otherwise offers the latest (lifecycle.mdx, "Version Negotiation").
 * Results sent to a client on an older revision lose the fields that revision does not define.
 */
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, type ProtocolVersion } from "./types.js";

export function isSupportedVersion(v: unknown): v is ProtocolVersion {
  return typeof v === "string" && (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(v);
}

/** negotiateVersion returns the revision a server answers with when a client asks for `requested`. */
export function negotiateVersion(requested: unknown): ProtocolVersion {
  return isSupportedVersion(requested) ? requested : LATEST_PROTOCOL_VERSION;
}

type Obj = Record<string, unknown>;
const without = (o: Obj, keys: readonly string[]): Obj => {
  let copy: Obj | undefined;
  for (const k of keys) {
    if (k in o) {
      copy ??= { ...o };
      delete copy[k];
    }
  }
  return copy ?? o;
};

/** Fields added in 2025-11-25 (icons SEP-973, execution/tasks SEP-1686, implementation description). */
const ADDED_2025_11_25 = { item: ["icons", "execution"], implementation: ["icons", "description", "websiteUrl"] } as const;
/** Fields added in 2025-06-18 (title, outputSchema, structuredContent, resource_link). */
const ADDED_2025_06_18 = { item: ["title", "outputSchema"], implementation: ["title"] } as const;

/**
 * downgradeResult rewrites a result of `method` for a client on revision `version`, leaving the input
 * untouched. For the latest revision it returns the same object, so the common path allocates nothing.
 */
export function downgradeResult(method: string, result: Obj, version: ProtocolVersion): Obj {
  if (version === LATEST_PROTOCOL_VERSION) return result;
  const old = version === "2025-03-26";
  const itemKeys: string[] = [...ADDED_2025_11_25.item, ...(old ? ADDED_2025_06_18.item : [])];
  const listKey = {
    "tools/list": "tools",
    "resources/list": "resources",
    "resources/templates/list": "resourceTemplates",
    "prompts/list": "prompts",
  }[method];
  if (listKey && Array.isArray(result[listKey])) {
    return { ...result, [listKey]: (result[listKey] as Obj[]).map((item) => without(item, itemKeys)) };
  }
  if (method === "initialize") {
    const implKeys: string[] = [...ADDED_2025_11_25.implementation, ...(old ? ADDED_2025_06_18.implementation : [])];
    const caps = result.capabilities as Obj | undefined;
    return {
      ...result,
      serverInfo: without(result.serverInfo as Obj, implKeys),
      ...(caps ? { capabilities: without(caps, ["tasks"]) } : {}),
    };
  }
  if (method === "tools/call" && old) {
    const r = without(result, ["structuredContent"]);
    const content = r.content as Obj[] | undefined;
    // 2025-03-26 has no resource_link content: describe the link in text so nothing is silently lost.
    if (content?.some((c) => c.type === "resource_link")) {
      return {
        ...r,
        content: content.map((c) =>
          c.type === "resource_link" ? { type: "text", text: `Resource: ${c.uri}${c.name ? ` (${c.name})` : ""}` } : c,
        ),
      };
    }
    return r;
  }
  return result;
}
