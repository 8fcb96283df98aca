/**
 * The dashboard's HTTP plumbing: the token comparison, the JSON body reader, and its answers (the page with its
 * CSP, JSON, problems), every one with the same security headers.
 */
import { readCappedText } from "../internal/body.js";

const MAX_BODY = 1024 * 1024;

export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

export async function readJson(request: Request): Promise<Record<string, unknown>> {
  const text = await readCappedText(request.body, MAX_BODY, { tooLarge: () => new Error("the request body is too large") });
  const v = JSON.parse(text || "{}") as unknown;
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("the body must be a JSON object");
  return v as Record<string, unknown>;
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export function html(body: string, frameOrigin?: string): Response {
  return new Response(body, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self' data:; frame-src ${frameOrigin ?? "'none'"}; frame-ancestors 'none'`,
      ...SECURITY_HEADERS,
      // The sandbox proxy checks which page frames it by its origin: send the origin (never the token's query).
      "referrer-policy": "strict-origin",
    },
  });
}

export function json(value: unknown): Response {
  return new Response(JSON.stringify(value), {
    headers: { "content-type": "application/json", "cache-control": "no-store", ...SECURITY_HEADERS },
  });
}

export function problem(status: number, message: string): Response {
  return new Response(JSON.stringify({ error: message }), { status, headers: { "content-type": "application/json", ...SECURITY_HEADERS } });
}
