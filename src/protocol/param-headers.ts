/**
 * `x-mcp-header` (2026-07-28, SEP-2243): a tool's inputSchema may mark primitive arguments to be mirrored into
 * `Mcp-Param-{name}` HTTP headers, so that gateways can route on them without reading bodies. An HTTP client drops
 * tools whose marks are invalid (they could not be called consistently), and sends the headers for the others.
 */
import { decodeHeaderValue, encodeHeaderValue } from "./modern.js";
import type { Tool } from "./generated/schema-types.js";

type Obj = Record<string, unknown>;
export interface Mark {
  header: string;
  path: string[];
}

/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRIMITIVE = new Set(["string", "integer", "boolean"]);

/** marks finds a tool's `x-mcp-header` marks, or the reason they are invalid. */
export function paramMarks(tool: Tool): Mark[] | string {
  const found: Mark[] = [];
  const walk = (schema: unknown, path: string[]): string | undefined => {
    const props = (schema as { properties?: unknown } | undefined)?.properties;
    if (!props || typeof props !== "object") return undefined;
    for (const [name, sub] of Object.entries(props as Obj)) {
      if (!sub || typeof sub !== "object") continue;
      const s = sub as Obj;
      const here = [...path, name];
      if ("x-mcp-header" in s) {
        const h = s["x-mcp-header"];
        if (typeof h !== "string" || h === "") return `property ${here.join(".")}: x-mcp-header must be a non-empty string`;
        if (!TOKEN.test(h)) return `property ${here.join(".")}: x-mcp-header ${JSON.stringify(h)} is not a header name token`;
        if (typeof s.type !== "string" || !PRIMITIVE.has(s.type))
          return `property ${here.join(".")}: x-mcp-header is only allowed on string, integer or boolean properties`;
        if (found.some((m) => m.header.toLowerCase() === h.toLowerCase())) return `x-mcp-header ${JSON.stringify(h)} is used twice`;
        found.push({ header: h, path: here });
      }
      const inner = walk(s, here);
      if (inner) return inner;
    }
    return undefined;
  };
  return walk(tool.inputSchema, []) ?? found;
}

/** paramHeaders: the Mcp-Param-* headers for a call with `args`; values null or absent send no header. */
export function paramHeaders(marks: Mark[], args: Obj | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of marks) {
    let v: unknown = args;
    for (const k of m.path) v = v && typeof v === "object" ? (v as Obj)[k] : undefined;
    if (v === null || v === undefined) continue;
    if (typeof v === "string") out[`mcp-param-${m.header.toLowerCase()}`] = encodeHeaderValue(v);
    else if (typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v)))
      out[`mcp-param-${m.header.toLowerCase()}`] = String(v);
  }
  return out;
}

/**
 * paramMismatch checks a request's Mcp-Param-* headers against its arguments (a server's side of SEP-2243): each
 * marked argument present in the body must come with its header, equal once decoded. It returns what is wrong.
 */
export function paramMismatch(marks: Mark[], args: Obj | undefined, header: (name: string) => string | null): string | undefined {
  for (const m of marks) {
    let v: unknown = args;
    for (const k of m.path) v = v && typeof v === "object" ? (v as Obj)[k] : undefined;
    const name = `Mcp-Param-${m.header}`;
    const sent = decodeHeaderValue(header(name.toLowerCase()));
    if (v === null || v === undefined) {
      // A header for a value the body does not have would route on something the server never uses.
      if (sent !== undefined) return `${name} was sent but the arguments have no "${m.path.join(".")}"`;
      continue;
    }
    if (sent === undefined) return `the ${name} header is required when "${m.path.join(".")}" is in the arguments`;
    if (sent !== String(v)) return `${name} is ${JSON.stringify(sent)} but the arguments say ${JSON.stringify(String(v))}`;
  }
  return undefined;
}
