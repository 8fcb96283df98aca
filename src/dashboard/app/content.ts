/**
 * What servers answer, drawn for a person: content blocks (text, images, audio, resources), structured content as
 * a collapsible tree, a tool's result with its error flag.
 */
import { html } from "htm/preact";
import type { Json } from "./api.js";

export function Content(props: { blocks: Json[] }) {
  return html`${props.blocks.map((b) => {
    if (b.type === "text") return html`<div class="block">${String(b.text)}</div>`;
    if (b.type === "image")
      return html`<img alt="image from the server" src=${`data:${b.mimeType};base64,${b.data}`} style="max-width:100%" />`;
    if (b.type === "audio") return html`<audio controls src=${`data:${b.mimeType};base64,${b.data}`}></audio>`;
    if (b.type === "resource") {
      const r = b.resource as Json;
      return html`<div class="block"><strong>${String(r.uri)}</strong>${typeof r.text === "string" ? `\n${r.text}` : ` (${r.mimeType ?? "binary"})`}</div>`;
    }
    if (b.type === "resource_link") return html`<div class="block">link: ${String(b.uri)}</div>`;
    return html`<pre class="block">${JSON.stringify(b, null, 2)}</pre>`;
  })}`;
}

/** Tree shows structured content as nested, collapsible lists. */
export function Tree(props: { value: unknown; name?: string }): ReturnType<typeof html> {
  const { value, name } = props;
  if (value === null || typeof value !== "object")
    return html`<div>${name !== undefined ? html`<strong>${name}</strong>: ` : ""}<code>${JSON.stringify(value)}</code></div>`;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Json);
  return html`<details open><summary>${name ?? (Array.isArray(value) ? `array (${entries.length})` : "object")}</summary>
    <div style="padding-left:1rem">${entries.map(([k, v]) => html`<${Tree} value=${v} name=${k} />`)}</div></details>`;
}

export function Result(props: { result?: Json; error?: string }) {
  if (props.error) return html`<div class="block error" role="alert">${props.error}</div>`;
  const r = props.result;
  if (!r) return null;
  return html`<div aria-live="polite">
    ${r.isError ? html`<div class="block error" role="alert">The tool reported an error:</div>` : ""}
    <${Content} blocks=${(r.content as Json[]) ?? []} />
    ${r.structuredContent !== undefined ? html`<h4>Structured content</h4><${Tree} value=${r.structuredContent} />` : ""}
  </div>`;
}
