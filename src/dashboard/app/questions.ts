/**
 * The questions servers ask the person, on top of the page: an elicitation form, a URL to open (after consent),
 * or a sampling request answered as the model.
 */
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { checkLink } from "../links.js";
import { api, type Event_, type Json } from "./api.js";
import { defaults, type Schema, SchemaForm } from "./schema-form.js";

/** A question a server asked: an elicitation form, a URL to open (after consent), or a sampling request. */
export function Question(props: { q: Event_; from: string; onDone(): void }) {
  const { q, from } = props;
  const p = q.params as Json;
  const [value, setValue] = useState<Json>(q.type === "elicitation" ? defaults(p.requestedSchema as Schema) : {});
  const [text, setText] = useState("");
  const answer = async (result: unknown) => {
    await api("/api/answer", { id: q.id, result });
    props.onDone();
  };
  if (q.type === "elicitation")
    return html`<div class="question" role="dialog" aria-label=${`${from} asks`}><strong>${from} asks:</strong> ${String(p.message)}
      <form onSubmit=${(e: Event) => {
        e.preventDefault();
        void answer({ action: "accept", content: value });
      }}><${SchemaForm} schema=${p.requestedSchema as Schema} value=${value} onChange=${setValue} />
      <p><button class="primary" type="submit">Accept</button> <button type="button" onClick=${() => void answer({ action: "decline" })}>Decline</button>
      <button type="button" onClick=${() => void answer({ action: "cancel" })}>Cancel</button></p></form></div>`;
  if (q.type === "elicitation-url") {
    // The dashboard's server checked the URL already (q.refused); the page checks again before drawing a link.
    const link = checkLink(String(p.url));
    const refused = !link.ok ? link.reason : typeof q.refused === "string" ? q.refused : undefined;
    return html`<div class="question" role="dialog" aria-label="The server asks you to open a page" data-question=${q.id}>
      <strong>${from} asks you to open a page${link.ok ? ` on ${link.host}` : ""}</strong><p>${String(p.message ?? "")}</p>
      ${
        refused !== undefined || !link.ok
          ? html`<div class="block error" role="alert" data-refused>The dashboard will not open this link: ${refused}.</div>
        <p><code data-url>${String(p.url)}</code></p>
        <p><button onClick=${() => void answer({ action: "decline" })}>Decline</button></p>`
          : html`<p><code data-url>${link.href}</code></p>
        <p><a class="button primary" href=${link.href} target="_blank" rel="noopener noreferrer"
          onClick=${() => void answer({ action: "accept" })}>Open it</a> <button onClick=${() => void answer({ action: "decline" })}>Decline</button></p>`
      }</div>`;
  }
  return html`<div class="question" role="dialog" aria-label="The server asks the model"><strong>${from} asks for a model's answer:</strong>
    <pre class="block">${((p.messages as Json[]) ?? []).map((m) => `${m.role}: ${(m.content as Json).text ?? JSON.stringify(m.content)}`).join("\n")}</pre>
    <label for="sampling-answer">Answer as the model</label><textarea id="sampling-answer" rows="3" onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)}></textarea>
    <p><button class="primary" onClick=${() => void answer({ role: "assistant", content: { type: "text", text }, model: "person-in-the-dashboard" })}>Send</button></p></div>`;
}
