/**
 * Connecting: a server by URL (and the guided OAuth sign-in for that URL), or a stdio command started only after
 * the person saw the exact words that will run and ticked their consent.
 */
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { api } from "./api.js";
import { SignIn } from "./oauth.js";

export function Connect(props: { onError(e: string): void }) {
  const [url, setUrl] = useState("http://127.0.0.1:3000/mcp");
  const [command, setCommand] = useState("");
  const [consent, setConsent] = useState(false);
  const words = command.trim().split(/\s+/).filter(Boolean);
  return html`<form aria-label="Connect over HTTP" onSubmit=${(e: Event) => {
    e.preventDefault();
    api("/api/connect", { url }).catch((err: Error) => props.onError(err.message));
  }}><label for="connect-url">Server URL</label><input id="connect-url" value=${url} onInput=${(e: Event) => setUrl((e.target as HTMLInputElement).value)} />
    <p><button class="primary" type="submit">Connect</button></p></form>
    <${SignIn} api=${api} url=${url} onError=${props.onError} />
    <form aria-label="Start a stdio server" onSubmit=${(e: Event) => {
      e.preventDefault();
      if (consent) api("/api/connect", { command: words }).catch((err: Error) => props.onError(err.message));
    }}><label for="connect-command">Or start a command (stdio)</label><input id="connect-command" value=${command} onInput=${(e: Event) => {
      setCommand((e.target as HTMLInputElement).value);
      setConsent(false);
    }} />
    ${
      words.length
        ? html`<p class="hint">This runs on your machine, with your rights: <code>${words.map((w) => JSON.stringify(w)).join(" ")}</code></p>
      <label><input type="checkbox" checked=${consent} onChange=${(e: Event) => setConsent((e.target as HTMLInputElement).checked)} /> I trust this command; run it</label>`
        : ""
    }
    <p><button type="submit" disabled=${!consent}>Start</button></p></form>`;
}
