/** Small web-standard helpers the authorization server's endpoints share: answers, forms, cookies. */
import { createHash, timingSafeEqual } from "node:crypto";
import { base64url } from "jose";
import { readCappedText } from "../../internal/body.js";

/** OAuth JSON answers are never cached (RFC 6749 section 5.1). */
const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...NO_STORE, ...headers } });
}

/** OAuthError is an RFC 6749 error answer: `error`, a description people can act on, the status. */
export class OAuthError extends Error {
  readonly error: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(error: string, description: string, status = 400, headers: Record<string, string> = {}) {
    super(description);
    this.error = error;
    this.status = status;
    this.headers = headers;
  }
  response(): Response {
    return json(this.status, { error: this.error, error_description: this.message }, this.headers);
  }
}

/**
 * Pages are not to be framed (clickjacking on the consent button), cached, or leak the URL (it carries the
 * authorization request) to other sites. No script runs on them; forms post to this origin.
 */
export function html(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "x-frame-options": "DENY",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'",
      "referrer-policy": "same-origin",
      "x-content-type-options": "nosniff",
      ...NO_STORE,
      ...headers,
    },
  });
}

/** A 303 to `location` (after a form post the browser then GETs it). */
export function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, ...NO_STORE, "referrer-policy": "same-origin", ...headers } });
}

/** The most a form body may hold. */
const MAX_FORM_BYTES = 64 * 1024;

/**
 * readForm parses an application/x-www-form-urlencoded body. A parameter given twice is refused (RFC 6749
 * section 3.1: parameters must not be repeated), so no endpoint has to guess which one counts.
 */
export async function readForm(request: Request): Promise<Record<string, string>> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded"))
    throw new OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded");
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_FORM_BYTES) throw new OAuthError("invalid_request", `the body is larger than ${MAX_FORM_BYTES} bytes`, 413);
  // Read under the cap whatever Content-Length said: it can be absent (chunked), and request.text() would hold it all.
  const text = await readCappedText(request.body, MAX_FORM_BYTES, {
    tooLarge: () => new OAuthError("invalid_request", `the body is larger than ${MAX_FORM_BYTES} bytes`, 413),
  });
  return params(new URLSearchParams(text));
}

export function params(search: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of search) {
    if (k in out) throw new OAuthError("invalid_request", `the parameter ${k} is given more than once`);
    out[k] = v;
  }
  return out;
}

export function cookie(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function setCookie(name: string, value: string, options: { path: string; maxAgeSec: number; secure: boolean }): string {
  return `${name}=${value}; Path=${options.path}; Max-Age=${options.maxAgeSec}; HttpOnly; SameSite=Lax${options.secure ? "; Secure" : ""}`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function sha256(text: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** randomToken: 32 random bytes, base64url. */
export function randomToken(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Compares two secrets in constant time (their SHA-256 digests, so lengths do not leak either). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}
