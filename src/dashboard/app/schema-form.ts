/**
 * Forms from JSON Schema (a tool's inputSchema, an elicitation's requestedSchema): strings, numbers, integers,
 * booleans, enums (plain, titled with oneOf/anyOf const+title, legacy enumNames), arrays of enums (checkboxes),
 * arrays of anything else (one JSON value per line), nested objects (fieldsets), defaults and required marks.
 * What the form cannot draw is edited as JSON. Values are kept as typed values, never as strings of numbers.
 */
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useRef, useState } from "preact/hooks";

/** Completion for a string field: the server's suggestions for what was typed so far (completion/complete). */
export type Completer = (name: string, value: string) => Promise<string[]>;

/**
 * CompletingInput: a text input whose suggestions come from the server as the person types. Each keystroke (and the
 * focus) asks again, and the answers can come back in any order: only the answer to the latest request is shown, so
 * a slow answer for "" never replaces the one for "pa". `aria-busy` is true while any request is out.
 */
function CompletingInput(props: { id: string; name: string; value: string; complete: Completer; onInput(v: string): void }): VNode {
  const [options, setOptions] = useState<string[]>([]);
  const [out, setOut] = useState(0);
  const latest = useRef(0);
  const listId = `${props.id}-options`;
  const ask = (v: string) => {
    const mine = ++latest.current;
    setOut((n) => n + 1);
    props
      .complete(props.name, v)
      .then(
        (o) => mine === latest.current && setOptions(o),
        () => mine === latest.current && setOptions([]),
      )
      .finally(() => setOut((n) => n - 1));
  };
  return html`<input id=${props.id} type="text" list=${listId} autocomplete="off" value=${props.value} aria-busy=${out > 0 ? "true" : "false"}
      onInput=${(e: Event) => {
        const v = (e.target as HTMLInputElement).value;
        props.onInput(v);
        ask(v);
      }}
      onFocus=${() => ask(props.value)} />
    <datalist id=${listId}>${options.map((o) => html`<option value=${o}></option>`)}</datalist>`;
}

export type Schema = {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  enumNames?: string[];
  oneOf?: { const?: unknown; title?: string }[];
  anyOf?: { const?: unknown; title?: string }[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
};

/** defaults builds the initial value of a form: each property's default, nested objects filled in. */
export function defaults(schema: Schema | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(schema?.properties ?? {})) {
    if (p.default !== undefined) out[k] = p.default;
    else if (typeOf(p) === "object" && p.properties) out[k] = defaults(p);
  }
  return out;
}

function typeOf(s: Schema): string | undefined {
  return Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
}

/** choices: the options of an enum-like schema, with their labels. */
export function choices(s: Schema): { value: unknown; label: string }[] | undefined {
  if (Array.isArray(s.enum)) return s.enum.map((v, i) => ({ value: v, label: s.enumNames?.[i] ?? String(v) }));
  const alts = s.oneOf ?? s.anyOf;
  if (alts?.length && alts.every((a) => a.const !== undefined))
    return alts.map((a) => ({ value: a.const, label: a.title ?? String(a.const) }));
  return undefined;
}

let uid = 0;

/** SchemaForm draws the fields of an object schema; `onChange` gets the whole new value on every edit. */
export function SchemaForm(props: {
  schema?: Schema;
  value: Record<string, unknown>;
  onChange(v: Record<string, unknown>): void;
  prefix?: string;
  complete?: Completer;
}): VNode {
  const { schema, value, onChange, complete } = props;
  const entries = Object.entries(schema?.properties ?? {});
  if (entries.length === 0) return html`<p class="hint">No arguments.</p>`;
  const set = (k: string, v: unknown) => {
    const next = { ...value };
    if (v === undefined) delete next[k];
    else next[k] = v;
    onChange(next);
  };
  return html`${entries.map(([k, p]) =>
    Field({ name: k, schema: p, required: schema?.required?.includes(k) ?? false, value: value[k], onChange: (v) => set(k, v), complete }),
  )}`;
}

function Field(props: {
  name: string;
  schema: Schema;
  required: boolean;
  value: unknown;
  onChange(v: unknown): void;
  complete?: Completer;
}): VNode {
  const { name, schema: s, required, value, onChange, complete } = props;
  const id = `f${++uid}-${name}`;
  const label = html`<label for=${id}>${s.title ?? name}${required ? html` <span aria-label="required">*</span>` : ""}
    ${s.description ? html` <span class="hint">${s.description}</span>` : ""}</label>`;
  const type = typeOf(s);
  const opts = choices(s);
  if (opts) {
    const index = opts.findIndex((o) => o.value === value);
    return html`<div>${label}<select id=${id} value=${index === -1 ? "" : String(index)}
      onChange=${(e: Event) => {
        const i = (e.target as HTMLSelectElement).value;
        onChange(i === "" ? undefined : opts[Number(i)]!.value);
      }}>
      <option value="">—</option>
      ${opts.map((o, i) => html`<option value=${String(i)}>${o.label}</option>`)}
    </select></div>`;
  }
  if (type === "boolean")
    return html`<div><label><input id=${id} type="checkbox" checked=${value === true}
      onChange=${(e: Event) => onChange((e.target as HTMLInputElement).checked)} /> ${s.title ?? name}
      ${s.description ? html` <span class="hint">${s.description}</span>` : ""}</label></div>`;
  if (type === "number" || type === "integer")
    return html`<div>${label}<input id=${id} type="number" step=${type === "integer" ? "1" : "any"} min=${s.minimum} max=${s.maximum}
      value=${value === undefined ? "" : String(value)}
      onInput=${(e: Event) => {
        const t = (e.target as HTMLInputElement).value;
        onChange(t === "" ? undefined : Number(t));
      }} /></div>`;
  if (type === "array" && s.items && choices(s.items)) {
    const selected = Array.isArray(value) ? value : [];
    const itemOpts = choices(s.items)!;
    return html`<fieldset><legend>${s.title ?? name}${required ? " *" : ""}</legend>
      ${itemOpts.map(
        (o) => html`<label><input type="checkbox" checked=${selected.includes(o.value)}
          onChange=${(e: Event) => {
            const on = (e.target as HTMLInputElement).checked;
            onChange(on ? [...selected, o.value] : selected.filter((x) => x !== o.value));
          }} /> ${o.label}</label>`,
      )}</fieldset>`;
  }
  if (type === "object" && s.properties) {
    const v = (value as Record<string, unknown> | undefined) ?? {};
    return html`<fieldset><legend>${s.title ?? name}${required ? " *" : ""}</legend>
      ${SchemaForm({ schema: s, value: v, onChange })}</fieldset>`;
  }
  if ((type === "string" || (type === undefined && !s.items && !s.properties)) && complete)
    return html`<div>${label}<${CompletingInput} key=${name} id=${id} name=${name} value=${value === undefined ? "" : String(value)}
      complete=${complete} onInput=${(t: string) => onChange(t === "" && !required ? undefined : t)} /></div>`;
  if (type === "string" || (type === undefined && !s.items && !s.properties))
    return html`<div>${label}<input id=${id} type=${s.format === "email" ? "email" : s.format === "uri" ? "url" : "text"}
      value=${value === undefined ? "" : String(value)}
      onInput=${(e: Event) => {
        const t = (e.target as HTMLInputElement).value;
        onChange(t === "" && !required ? undefined : t);
      }} /></div>`;
  // Arrays of other things, and anything else: JSON, one value per line for arrays.
  return html`<div>${label}<textarea id=${id} rows="3" placeholder=${type === "array" ? "one JSON value per line" : "JSON"}
    onInput=${(e: Event) => {
      const t = (e.target as HTMLTextAreaElement).value.trim();
      if (t === "") return onChange(undefined);
      try {
        onChange(
          type === "array"
            ? t
                .split("\n")
                .filter(Boolean)
                .map((l) => parseLoose(l))
            : JSON.parse(t),
        );
      } catch {
        // keep the last valid value while the person types
      }
    }}>${value === undefined ? "" : type === "array" && Array.isArray(value) ? value.map((x) => JSON.stringify(x)).join("\n") : JSON.stringify(value, null, 2)}</textarea></div>`;
}

function parseLoose(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return line;
  }
}
