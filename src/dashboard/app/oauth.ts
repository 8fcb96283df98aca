/**
 * The page's OAuth parts: the sign-in form, the guided flow (each step with its request and answer, the
 * authorization page to open, and "Continue" when stepping through), and the authorization server's audit log.
 */
import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import { checkLink } from "../links.js";

type Json = Record<string, unknown>;
interface Ev {
  type: string;
  [k: string]: unknown;
}
type Api = (path: string, body?: unknown) => Promise<Json>;

/** The steps a code flow goes through, in order, for the overview at the top. */
const STAGES: [kind: string, label: string][] = [
  ["challenge", "401 challenge"],
  ["resource-metadata", "Resource metadata"],
  ["as-metadata", "Server metadata"],
  ["identity", "Client identity"],
  ["authorization", "Authorization"],
  ["token", "Token"],
  ["authorized", "Authorized"],
  ["step-up", "Step-up"],
];

export function SignIn(props: { api: Api; url: string; onError(e: string): void }) {
  const [o, setO] = useState<Json>({ stepThrough: true });
  const field = (name: string, label: string, hint = "") =>
    html`<label for=${`oauth-${name}`}>${label} ${hint ? html`<span class="hint">${hint}</span>` : ""}</label>
      <input id=${`oauth-${name}`} value=${String(o[name] ?? "")} onInput=${(e: Event) => setO({ ...o, [name]: (e.target as HTMLInputElement).value })} />`;
  return html`<form aria-label="Sign in with OAuth" onSubmit=${(e: Event) => {
    e.preventDefault();
    props.api("/api/oauth/start", { url: props.url, ...o }).catch((err: Error) => props.onError(err.message));
  }}><details><summary>Sign in (guided OAuth flow)</summary>
    <p class="hint">For the server URL above. Leave the client empty to register (DCR) or use a metadata document (CIMD).</p>
    ${field("clientId", "Client ID", "pre-registered")}${field("clientSecret", "Client secret")}
    ${field("clientMetadataUrl", "Client metadata URL", "CIMD, https")}${field("scope", "Scopes", "space separated")}
    <label><input type="checkbox" checked=${o.stepThrough === true} onChange=${(e: Event) => setO({ ...o, stepThrough: (e.target as HTMLInputElement).checked })} /> Step through (wait before each request)</label>
    <p><button type="submit">Walk the OAuth flow</button></p></details></form>`;
}

function Exchange(props: { step: Json }) {
  const req = props.step.request as Json | undefined;
  const res = props.step.response as Json | undefined;
  const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v, null, 2));
  return html`${
    req
      ? html`<details><summary>Request: <code>${String(req.method)} ${String(req.url)}</code></summary>
      <pre class="block">${show(req.headers)}${req.body !== undefined ? `\n\n${show(req.body)}` : ""}</pre></details>`
      : ""
  }
    ${
      res
        ? html`<details><summary>Answer: <code>${String(res.status)}</code></summary>
      <pre class="block">${show(res.headers)}${res.body !== undefined ? `\n\n${show(res.body)}` : ""}</pre></details>`
        : ""
    }`;
}

/** AuthorizeLink: the authorization page to open, under the same rule as every link a server names (links.ts). */
function AuthorizeLink(props: { url: string }) {
  const link = checkLink(props.url);
  return link.ok
    ? html`<p><a data-authorize href=${link.href} target="_blank" rel="noopener noreferrer">Open the authorization page</a></p>`
    : html`<div class="error" role="alert">The dashboard will not open the authorization page: ${link.reason}. <code>${props.url}</code></div>`;
}

/** OAuthFlow shows one sign-in: the stages reached, each step, and what it waits for. */
export function OAuthFlow(props: { api: Api; flow: string; events: Ev[] }) {
  const mine = props.events.filter((e) => e.type === "oauth" && e.flow === props.flow);
  const steps = mine.filter((e) => e.step).map((e) => e.step as Json);
  const status = [...mine].reverse().find((e) => e.status);
  const lastWait = [...mine].reverse().find((e) => "waiting" in e);
  const waiting = lastWait?.waiting as Json | null | undefined;
  const reached = new Set(steps.map((s) => String(s.kind)));
  // Only an authorization the browser has not come back from yet has a page worth opening.
  const pending = steps.length > 0 && steps[steps.length - 1]!.kind === "authorization" ? steps[steps.length - 1] : undefined;
  const done = status?.status === "done";
  return html`<div class="block oauth" aria-label="OAuth flow" data-flow=${props.flow} data-status=${String(status?.status ?? "")}>
    <strong>OAuth sign-in</strong> to <code>${String(status?.target ?? "")}</code> —
    <span data-oauth-status>${done ? "signed in and connected" : status?.status === "failed" ? "failed" : "under way"}</span>
    ${status?.error ? html`<div class="error" role="alert">${String(status.error)}</div>` : ""}
    <ol class="stages" aria-label="Stages">${STAGES.filter(([k]) => k !== "step-up" || reached.has(k)).map(
      ([k, label]) => html`<li data-stage=${k} class=${reached.has(k) ? "ok" : "hint"}>${reached.has(k) ? "✓ " : ""}${label}</li>`,
    )}</ol>
    <ol class="steps">${steps.map(
      (s) => html`<li data-step=${String(s.kind)}><strong>${String(s.title)}</strong>
        ${s.note ? html`<div class="hint">${String(s.note)}</div>` : ""}
        ${s === pending && s.open ? html`<${AuthorizeLink} url=${String(s.open)} />` : ""}
        <${Exchange} step=${s} /></li>`,
    )}</ol>
    ${
      waiting
        ? html`<div class="question" role="dialog" aria-label="Next OAuth step"><strong>Next: ${String(waiting.title)}</strong>
        <${Exchange} step=${{ request: waiting.request }} />
        <p><button class="primary" onClick=${() => void props.api("/api/oauth/continue", { flow: props.flow })}>Continue</button></p></div>`
        : ""
    }
  </div>`;
}

const AUDIT_TYPES = [
  "",
  "login",
  "login_failed",
  "consent",
  "consent_denied",
  "token_issued",
  "token_refused",
  "token_refreshed",
  "token_revoked",
  "refresh_reuse",
  "client_registered",
  "grant_revoked",
  "audit_read",
  "mcp_request",
];

/** Audit lists the authorization server's audit log, newest first, filtered by type, subject, client and time. */
export function Audit(props: { api: Api; conn: string }) {
  const [filter, setFilter] = useState<Json>({ limit: 100 });
  const [rows, setRows] = useState<Json[]>([]);
  const [error, setError] = useState("");
  const load = (f: Json) =>
    props.api("/api/audit", { conn: props.conn, ...f }).then(
      (r) => {
        setRows(r.events as Json[]);
        setError("");
      },
      (e: Error) => setError(e.message),
    );
  useEffect(() => void load(filter), [props.conn]);
  const input = (name: string, label: string, type = "text") =>
    html`<div><label for=${`audit-${name}`}>${label}</label><input id=${`audit-${name}`} type=${type} value=${String(filter[name] ?? "")}
      onInput=${(e: Event) => {
        const v = (e.target as HTMLInputElement).value;
        setFilter({ ...filter, [name]: type === "number" ? Number(v) || undefined : v });
      }} /></div>`;
  return html`<form class="filters" aria-label="Filter the audit log" onSubmit=${(e: Event) => {
    e.preventDefault();
    void load(filter);
  }}><div><label for="audit-type">Type</label><select id="audit-type" value=${String(filter.type ?? "")}
      onChange=${(e: Event) => setFilter({ ...filter, type: (e.target as HTMLSelectElement).value })}>
      ${AUDIT_TYPES.map((t) => html`<option value=${t}>${t || "any"}</option>`)}</select></div>
    ${input("subject", "Subject")}${input("clientId", "Client")}${input("since", "Since (ISO time)")}${input("limit", "Limit", "number")}
    <div><button class="primary" type="submit">Search</button></div></form>
    ${error ? html`<div class="block error" role="alert">${error}</div>` : ""}
    <table aria-label="Audit log"><thead><tr><th>time</th><th>type</th><th>subject</th><th>client</th><th>what</th><th>outcome</th></tr></thead><tbody>
    ${rows.map(
      (r) => html`<tr data-audit-type=${String(r.type)}><td>${new Date(String(r.at)).toLocaleString()}</td><td>${String(r.type)}</td>
        <td>${String(r.subject ?? "")}</td><td>${String(r.clientId ?? "")}</td>
        <td>${[r.method, r.target, (r.scopes as string[] | undefined)?.join(" "), r.grantType].filter(Boolean).join(" · ")}</td>
        <td class=${r.outcome && r.outcome !== "ok" ? "error" : ""}>${String(r.outcome ?? "")}</td></tr>`,
    )}</tbody></table>
    <p class="hint">${rows.length} record${rows.length === 1 ? "" : "s"}, newest first.</p>`;
}
