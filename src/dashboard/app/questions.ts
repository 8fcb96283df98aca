/**
 * The questions servers ask the person, on top of the page: an elicitation form, a URL to open (after consent),
 * or a sampling request answered as the model.
 */
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { checkLink } from "../links.js";
import { type Asked, api, type Json } from "./api.js";
import { defaults, type Schema, SchemaForm } from "./schema-form.js";

/**
 * A question a server asked: an elicitation form, a URL to open (after consent), or a sampling request. It stays
 * until the dashboard says it is settled (its event stream), so an answer the dashboard refused leaves the question
 * up, with the reason next to its buttons.
 */
export function Question(props: { q: Asked; from: string }) {
  const { q, from } = props;
  const p = q.params;
  const [value, setValue] = useState<Json>(q.type === "elicitation" ? defaults(p.requestedSchema as Schema) : {});
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState("");
  const answer = async (result: unknown) => {
    setSending(true);
    setError("");
    try {
      await api("/api/answer", { id: q.id, result });
    } catch (e) {
      setError(`The answer was not taken: ${(e as Error).message}`);
    } finally {
      setSending(false);
    }
  };
  const failed = error ? html`<div class="block error" role="alert" data-answer-error>${error}</div>` : "";
  const decline = html`<button type="button" disabled=${sending} onClick=${() => void answer({ action: "decline" })}>Decline</button>`;
  if (q.type === "elicitation")
    return html`<div class="question" role="dialog" aria-label=${`${from} asks`} data-question=${q.id}><strong>${from} asks:</strong> ${String(p.message)}
      <form onSubmit=${(e: Event) => {
        e.preventDefault();
        void answer({ action: "accept", content: value });
      }}><${SchemaForm} schema=${p.requestedSchema as Schema} value=${value} onChange=${setValue} />
      ${failed}
      <p><button class="primary" type="submit" disabled=${sending}>Accept</button> ${decline} <button type="button" disabled=${sending}
        onClick=${() => void answer({ action: "cancel" })}>Cancel</button></p></form></div>`;
  if (q.type === "elicitation-url") {
    // The dashboard's server checked the URL already (q.refused); the page checks again before drawing a link.
    const link = checkLink(String(p.url));
    const refused = !link.ok ? link.reason : q.refused;
    return html`<div class="question" role="dialog" aria-label="The server asks you to open a page" data-question=${q.id}>
      <strong>${from} asks you to open a page${link.ok ? ` on ${link.host}` : ""}</strong><p>${String(p.message ?? "")}</p>
      ${
        refused !== undefined || !link.ok
          ? html`<div class="block error" role="alert" data-refused>The dashboard will not open this link: ${refused}.</div>
        <p><code data-url>${String(p.url)}</code></p>${failed}<p>${decline}</p>`
          : html`<p><code data-url>${link.href}</code></p>${failed}
        <p><a class="button primary" href=${link.href} target="_blank" rel="noopener noreferrer"
          onClick=${() => void answer({ action: "accept" })}>Open it</a> ${decline}</p>`
      }</div>`;
  }
  const field = `sampling-${q.id}`;
  return html`<div class="question" role="dialog" aria-label="The server asks the model" data-question=${q.id}><strong>${from} asks for a model's answer:</strong>
    <pre class="block">${((p.messages as Json[]) ?? []).map((m) => `${m.role}: ${(m.content as Json).text ?? JSON.stringify(m.content)}`).join("\n")}</pre>
    <label for=${field}>Answer as the model</label><textarea id=${field} rows="3" onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)}></textarea>
    ${failed}
    <p><button class="primary" disabled=${sending} onClick=${() => void answer({ role: "assistant", content: { type: "text", text }, model: "person-in-the-dashboard" })}>Send</button></p></div>`;
}
