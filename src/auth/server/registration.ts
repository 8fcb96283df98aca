/**
 * Dynamic Client Registration (RFC 7591), when it is on. Anyone may register, so a registration claims little:
 * redirect URIs of the kinds nobody needs to vet (safeRedirectUri), the authorization code grant only (machines
 * are configured), within a rate every node sharing the store counts together — and not the name of an
 * application configured on this server: its sign-in and consent pages would otherwise read exactly like that
 * application's. The pages also mark a registered client as unverified, with its client id (pages.ts).
 */
import { cleanName } from "./client-names.js";
import { type AuthMethod, type ClientRecord, safeRedirectUri } from "./clients.js";
import type { ServerContext } from "./context.js";
import { json, randomToken, sha256 } from "./http.js";
import { readCappedText } from "../../internal/body.js";

/** POST /register */
export async function register(ctx: ServerContext, request: Request): Promise<Response> {
  const dcr = ctx.options.dcr;
  if (!dcr) return json(404, { error: "not_found", error_description: "dynamic client registration is off on this server" });
  const perMinute = (typeof dcr === "object" ? dcr.perMinute : undefined) ?? 20;
  const now = Date.now();
  // One window for every node sharing the store.
  const window = await ctx.store.update<{ start: number; count: number }>(
    "counter",
    "dcr",
    (w) => (w && now - w.start <= 60_000 ? { start: w.start, count: w.count + 1 } : { start: now, count: 1 }),
    now + 60_000,
  );
  if ((window?.count ?? 0) > perMinute)
    return json(
      429,
      { error: "too_many_requests", error_description: "too many registrations; try again in a minute" },
      { "retry-after": "60" },
    );
  let body: Record<string, unknown>;
  try {
    const text = await readCappedText(request.body, 16 * 1024, { tooLarge: () => new Error("over 16 KiB") });
    body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
  } catch (err) {
    return json(400, {
      error: "invalid_client_metadata",
      error_description: `the body must be a JSON object of client metadata (${(err as Error).message})`,
    });
  }
  const bad = (why: string) => json(400, { error: "invalid_client_metadata", error_description: why });
  const redirects = body.redirect_uris ?? [];
  if (!Array.isArray(redirects) || redirects.length > 20 || !redirects.every(safeRedirectUri))
    return json(400, {
      error: "invalid_redirect_uri",
      error_description:
        "redirect_uris must be https URLs, http on loopback, or private-use scheme URIs (com.example.app:/cb), without fragments",
    });

  const method = (body.token_endpoint_auth_method ?? "client_secret_basic") as AuthMethod;
  if (!["none", "client_secret_basic", "client_secret_post"].includes(method))
    return bad(
      `token_endpoint_auth_method ${JSON.stringify(method)} is not offered for registration (none, client_secret_basic, client_secret_post)`,
    );
  const grantTypes = Array.isArray(body.grant_types) ? (body.grant_types as unknown[]) : ["authorization_code", "refresh_token"];
  if (grantTypes.some((g) => g !== "authorization_code" && g !== "refresh_token"))
    return bad("only authorization_code and refresh_token can be registered; machines are configured");
  if (grantTypes.includes("authorization_code") && redirects.length === 0) return bad("authorization_code needs redirect_uris");
  // Compared as a person reads it: "Test App ", "ｔｅｓｔ ａｐｐ" or "Test\u200Bapp" is still "Test app".
  const name = cleanName(body.client_name);
  if (name !== undefined && (await ctx.clients.impersonated(name)))
    return bad(`client_name ${JSON.stringify(name)} is the name of an application configured on this server; choose another name`);
  const clientId = `dcr_${randomToken(16)}`;
  const secret = method === "none" ? undefined : randomToken(32);
  const record: ClientRecord = {
    clientId,
    kind: "registered",
    clientName: name,
    redirectUris: redirects as string[],
    grantTypes: grantTypes as string[],
    authMethod: method,
    secretHash: secret ? await sha256(secret) : undefined,
  };
  await ctx.store.put("client", clientId, record);
  return json(201, {
    client_id: clientId,
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    client_id_issued_at: Math.floor(now / 1000),
    client_name: name,
    redirect_uris: redirects,
    grant_types: grantTypes,
    response_types: ["code"],
    token_endpoint_auth_method: method,
  });
}
