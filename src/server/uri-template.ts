/**
 * RFC 6570 URI templates: parsing (at registration, so a bad template fails early), expansion, and
 * matching a concrete URI back to its variables for resources/read.
 */
import { misuse } from "../protocol/errors.js";

interface Expression {
  op: "" | "+" | "#" | "." | "/" | ";" | "?" | "&";
  vars: { name: string; explode: boolean; prefix?: number }[];
}
type Part = string | Expression;

const OPS = new Set(["+", "#", ".", "/", ";", "?", "&"]);
const VARNAME = /^(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*$/;

/** UriTemplate is a parsed RFC 6570 template. */
export class UriTemplate {
  readonly template: string;
  readonly variableNames: string[];
  readonly #parts: Part[];
  readonly #regex: RegExp;
  readonly #groups: { name: string; op: Expression["op"]; explode: boolean }[] = [];

  /** Throws a TypeError naming the problem when `template` is not a valid RFC 6570 template. */
  constructor(template: string) {
    this.template = template;
    this.#parts = parse(template);
    this.variableNames = this.#parts.flatMap((p) => (typeof p === "string" ? [] : p.vars.map((v) => v.name)));
    this.#regex = this.#compile();
  }

  /** expand fills the template with `values` (RFC 6570 section 3). */
  expand(values: Record<string, string | string[] | undefined>): string {
    return this.#parts
      .map((p) => {
        if (typeof p === "string") return p;
        const first = { "": "", "+": "", "#": "#", ".": ".", "/": "/", ";": ";", "?": "?", "&": "&" }[p.op];
        const sep = { "": ",", "+": ",", "#": ",", ".": ".", "/": "/", ";": ";", "?": "&", "&": "&" }[p.op];
        const named = p.op === ";" || p.op === "?" || p.op === "&";
        const reserved = p.op === "+" || p.op === "#";
        const enc = (s: string) =>
          reserved
            ? encodeURI(s).replace(/%25([0-9A-Fa-f]{2})/g, "%$1")
            : encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
        const out: string[] = [];
        for (const v of p.vars) {
          const val = values[v.name];
          if (val === undefined || (Array.isArray(val) && val.length === 0)) continue;
          if (Array.isArray(val)) {
            if (v.explode) out.push(val.map((x) => (named ? `${v.name}=${enc(x)}` : enc(x))).join(sep));
            else out.push((named ? `${v.name}=` : "") + val.map(enc).join(","));
          } else {
            const s = v.prefix ? val.slice(0, v.prefix) : val;
            out.push(named ? (s === "" && p.op === ";" ? v.name : `${v.name}=${enc(s)}`) : enc(s));
          }
        }
        return out.length ? first + out.join(sep) : "";
      })
      .join("");
  }

  /** match returns the variables of `uri` when it is an expansion of this template, else undefined. */
  match(uri: string): Record<string, string | string[]> | undefined {
    const m = this.#regex.exec(uri);
    if (!m) return undefined;
    const out: Record<string, string | string[]> = {};
    this.#groups.forEach((g, i) => {
      const raw = m[i + 1];
      if (raw === undefined) return;
      let value = raw;
      if (g.op === "?" || g.op === "&" || g.op === ";") value = raw.replace(new RegExp(`^${escapeRe(g.name)}=?`), "");
      const decode = (s: string) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      };
      out[g.name] = g.explode || value.includes(",") ? value.split(g.explode && g.op === "/" ? "/" : ",").map(decode) : decode(value);
      if (!g.explode && !value.includes(",")) out[g.name] = decode(value);
    });
    return out;
  }

  #compile(): RegExp {
    let re = "^";
    for (const p of this.#parts) {
      if (typeof p === "string") {
        re += escapeRe(p);
        continue;
      }
      const reserved = p.op === "+" || p.op === "#";
      const valueRe = reserved ? "[^?#]*?" : p.op === "/" ? "[^/?#]*" : p.op === "." ? "[^./?#]*" : "[^/?#&,]*";
      p.vars.forEach((v, i) => {
        const lead =
          i === 0
            ? { "": "", "+": "", "#": "#", ".": "\\.", "/": "/", ";": ";", "?": "\\?", "&": "&" }[p.op]
            : { "": ",", "+": ",", "#": ",", ".": "\\.", "/": "/", ";": ";", "?": "&", "&": "&" }[p.op];
        const named = p.op === ";" || p.op === "?" || p.op === "&";
        const body = named
          ? `${escapeRe(v.name)}(?:=${valueRe})?`
          : v.explode
            ? `${valueRe}(?:${p.op === "/" ? "/" : ","}${valueRe})*`
            : valueRe;
        this.#groups.push({ name: v.name, op: p.op, explode: v.explode });
        // Query-style and later variables are optional; a simple {var} must be present.
        const optional = named || i > 0;
        re += optional ? `(?:${lead}(${body}))?` : `${lead}(${body})`;
      });
    }
    return new RegExp(`${re}$`);
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function parse(template: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    const close = template.indexOf("}", i);
    if (close !== -1 && (open === -1 || close < open))
      throw misuse(`uri template "${template}": unmatched "}" at ${close}; remove it or open an expression with "{"`);
    if (open === -1) {
      parts.push(template.slice(i));
      break;
    }
    if (open > i) parts.push(template.slice(i, open));
    const end = template.indexOf("}", open);
    if (end === -1) throw misuse(`uri template "${template}": unclosed "{" at ${open}; close the expression with "}"`);
    let body = template.slice(open + 1, end);
    let op: Expression["op"] = "";
    if (OPS.has(body[0]!)) {
      op = body[0] as Expression["op"];
      body = body.slice(1);
    }
    if (body === "") throw misuse(`uri template "${template}": empty expression at ${open}; name a variable, as in "{id}"`);
    const vars = body.split(",").map((spec) => {
      let name = spec;
      let explode = false;
      let prefix: number | undefined;
      if (name.endsWith("*")) {
        explode = true;
        name = name.slice(0, -1);
      }
      const colon = name.indexOf(":");
      if (colon !== -1) {
        prefix = Number(name.slice(colon + 1));
        name = name.slice(0, colon);
        if (!Number.isInteger(prefix) || prefix <= 0 || prefix >= 10000)
          throw misuse(`uri template "${template}": bad prefix in "{${spec}}"; use a length from 1 to 9999`);
      }
      if (!VARNAME.test(name)) throw misuse(`uri template "${template}": bad variable name "${name}"; use letters, digits and "_"`);
      return { name, explode, prefix };
    });
    parts.push({ op, vars });
    i = end + 1;
  }
  return parts;
}
