/**
 * Connecting: a server by URL (and the guided OAuth sign-in for that URL), or a stdio command started only after
 * the person saw the exact words that will run (split as a shell would, command.ts) and ticked their consent.
 */
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { api } from "./api.js";
import { splitCommand } from "./command.js";
import { SignIn } from "./oauth.js";
import { visible } from "../../internal/terminal.js";

/**
 * Connect: the HTTP form, the guided sign-in, and the stdio form. A stdio start that fails shows its whole error
 * under the Start button — as text, line breaks kept: it is what the dashboard's start said, which carries what the
 * server process printed when the stdio transport reports it.
 */
export function Connect(props: { onError(e: string): void }) {
  const [url, setUrl] = useState("http://127.0.0.1:3000/mcp");
  const [command, setCommand] = useState("");
  const [consent, setConsent] = useState(false);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState("");
  const split = splitCommand(command);
  const words = "words" in split ? split.words : [];
  const start = async () => {
    setStarting(true);
    setStartError("");
    try {
      await api("/api/connect", { command: words });
    } catch (err) {
      setStartError((err as Error).message);
    } finally {
      setStarting(false);
    }
  };
  return html`<form aria-label="Connect over HTTP" onSubmit=${(e: Event) => {
    e.preventDefault();
    api("/api/connect", { url }).catch((err: Error) => props.onError(err.message));
  }}><label for="connect-url">Server URL</label><input id="connect-url" value=${url} onInput=${(e: Event) => setUrl((e.target as HTMLInputElement).value)} />
    <p><button class="primary" type="submit">Connect</button></p></form>
    <${SignIn} api=${api} url=${url} onError=${props.onError} />
    <form aria-label="Start a stdio server" onSubmit=${(e: Event) => {
      e.preventDefault();
      if (consent && words.length && !starting) void start();
    }}><label for="connect-command">Or start a command (stdio)</label><input id="connect-command" value=${command} onInput=${(e: Event) => {
      setCommand((e.target as HTMLInputElement).value);
      setConsent(false);
    }} />
    ${
      "error" in split
        ? html`<p class="error" role="alert">The command cannot be read: ${split.error}.</p>`
        : words.length
          ? html`<p class="hint">This runs on your machine, with your rights: <code data-words>${words.map((w) => JSON.stringify(visible(w))).join(" ")}</code></p>
      <label><input type="checkbox" checked=${consent} onChange=${(e: Event) => setConsent((e.target as HTMLInputElement).checked)} /> I trust this command; run it</label>`
          : ""
    }
    <p><button type="submit" disabled=${!consent || !words.length || starting}>Start</button>${starting ? html` <span class="hint">Starting…</span>` : ""}</p>
    ${
      startError
        ? html`<div class="block error" role="alert" data-start-error><strong>The server did not start:</strong><pre class="message">${startError}</pre></div>`
        : ""
    }</form>`;
}
