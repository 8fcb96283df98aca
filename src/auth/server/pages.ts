/**
 * The pages people see: sign-in, consent, errors and their grants. Server-rendered HTML that works without
 * JavaScript (none runs on them); every form carries the transaction's CSRF token; every value is escaped.
 */
import type { ShownClient } from "./client-names.js";
import { escapeHtml as e } from "./http.js";

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
button{font:inherit;padding:.5rem 1.2rem;margin:1rem .5rem 0 0;cursor:pointer}.primary{background:#0b57d0;color:#fff;border:0;border-radius:4px}
.box{border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}.muted{color:#666;font-size:.9rem}.err{color:#b3261e}
.warn{background:#fff4e5;border:1px solid #f0b429;border-radius:6px;padding:.6rem .8rem}
.tag{background:#fff4e5;border:1px solid #f0b429;border-radius:4px;padding:0 .3rem;font-size:.85rem;white-space:nowrap}
ul{padding-left:1.2rem}code{background:#f3f3f3;padding:0 .2rem}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem;border-bottom:1px solid #eee}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${e(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** A client as a page shows it (Clients.shown), and where the answer will go. */
export interface ClientView extends ShownClient {
  redirectUri: string;
}

/**
 * How a client is named on the pages. Only a configured client's name was chosen by whoever runs this server; any
 * other name is the client's own claim, so the line carries what this server did check — the host that serves a
 * metadata document, the id a registration got — and unverifiedNote says so in words. A name that reads as a
 * configured client's is not shown at all: the id stands in for it, and the line says why.
 */
function clientLine(c: ShownClient): string {
  const checked =
    c.kind === "metadata-document"
      ? ` <span class="muted">(${e(new URL(c.clientId).host)})</span>`
      : c.kind === "registered"
        ? ` <span class="muted">(unverified, client id <code>${e(c.clientId)}</code>)</span>`
        : "";
  const hidden = c.imitation ? ` <span class="muted">(name hidden: it imitates an application configured on this server)</span>` : "";
  return `<strong>${e(c.name ?? c.clientId)}</strong>${checked}${hidden}`;
}

function unverifiedNote(c: ShownClient): string {
  if (c.kind === "configured") return "";
  const what =
    c.kind === "metadata-document"
      ? `Its name is its own claim; this server checked only that it is published by <strong>${e(new URL(c.clientId).host)}</strong>. Continue only if that is who you expect.`
      : `It registered itself with this server (client id <code>${e(c.clientId)}</code>); its name was not checked. Continue only if you just started signing in from this application yourself.`;
  return `<p class="warn" role="note"><strong>Unverified application.</strong> ${what}</p>`;
}

export function loginPage(o: {
  client: ClientView;
  txn: string;
  csrf: string;
  error?: string;
  username?: string;
  /** The password form's target; none without local users. */
  action?: string;
  federated?: string;
  idps?: Array<{ name: string; label: string }>;
}): string {
  const hidden = `<input type="hidden" name="txn" value="${e(o.txn)}"><input type="hidden" name="csrf" value="${e(o.csrf)}">`;
  const passwords = o.action
    ? `<form method="post" action="${e(o.action)}">${hidden}
<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required value="${e(o.username ?? "")}">
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button class="primary" type="submit">Sign in</button></form>`
    : "";
  const idps = (o.idps ?? [])
    .map(
      (i) =>
        `<form method="post" action="${e(o.federated ?? "")}">${hidden}<button type="submit" name="idp" value="${e(i.name)}">${e(i.label)}</button></form>`,
    )
    .join("");
  return page(
    "Sign in",
    `<h1>Sign in</h1><p>${clientLine(o.client)} wants to use an MCP server on your behalf.</p>${unverifiedNote(o.client)}
${o.error ? `<p class="err" role="alert">${e(o.error)}</p>` : ""}${passwords}${idps}`,
  );
}

export function consentPage(o: {
  client: ClientView;
  user: string;
  resource: string;
  scopes: string[];
  refused: string[];
  txn: string;
  csrf: string;
  action: string;
}): string {
  const list = o.scopes.length
    ? `<ul>${o.scopes.map((s) => `<li><code>${e(s)}</code></li>`).join("")}</ul>`
    : "<p>No scopes (basic access only).</p>";
  const refused = o.refused.length
    ? `<p class="muted">Not granted (your roles do not allow them): ${o.refused.map((s) => `<code>${e(s)}</code>`).join(", ")}</p>`
    : "";
  return page(
    "Allow access?",
    `<h1>Allow access?</h1><p>${clientLine(o.client)} asks to act as <strong>${e(o.user)}</strong> on</p><p><code>${e(o.resource)}</code></p>${unverifiedNote(o.client)}
<div class="box"><p>with these permissions:</p>${list}${refused}</div>
<p class="muted">You will be sent back to <code>${e(new URL(o.client.redirectUri).origin)}</code>.</p>
<form method="post" action="${e(o.action)}">
<input type="hidden" name="txn" value="${e(o.txn)}"><input type="hidden" name="csrf" value="${e(o.csrf)}">
<button class="primary" type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button></form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<h1>${e(title)}</h1><p class="err">${e(message)}</p><p class="muted">You can close this page.</p>`);
}

/**
 * A client in the grants table, marked as on the sign-in and consent pages: an application the operator did not
 * configure is named by its own claim, beside the id or host this server checked.
 */
function clientCell(c: ShownClient): string {
  return c.kind === "configured" ? clientLine(c) : `${clientLine(c)} <span class="tag">Unverified application</span>`;
}

export function grantsPage(o: {
  user: string;
  grants: Array<{ id: string; client: ShownClient; resource: string; scopes: string[]; grantedAt: string }>;
  csrf: string;
  action: string;
}): string {
  const rows = o.grants
    .map((g) => {
      const revoke = `<form method="post" action="${e(o.action)}"><input type="hidden" name="csrf" value="${e(o.csrf)}"><input type="hidden" name="grant" value="${e(g.id)}"><button type="submit">Revoke</button></form>`;
      return `<tr><td>${clientCell(g.client)}</td><td><code>${e(g.resource)}</code></td><td>${g.scopes.map((s) => `<code>${e(s)}</code>`).join(" ")}</td><td>${e(g.grantedAt.slice(0, 10))}</td>
<td>${revoke}</td></tr>`;
    })
    .join("");
  return page(
    "Your grants",
    `<h1>Applications with access</h1><p>Signed in as <strong>${e(o.user)}</strong>.</p>${
      o.grants.length
        ? `<table><tr><th>Client</th><th>Server</th><th>Scopes</th><th>Since</th><th></th></tr>${rows}</table>`
        : "<p>No application has access.</p>"
    }`,
  );
}
