/**
 * The token endpoint (RFC 6749 section 3.2) and revocation (RFC 7009). Grants: authorization_code (PKCE S256
 * checked, code used once, redirect URI and resource as authorized), refresh_token (rotation with a grace
 * window, reuse revokes the family), client_credentials (SEP-1046: confidential clients only, no refresh token)
 * and jwt-bearer with an ID-JAG (SEP-990, no refresh token). A DPoP proof binds the tokens to the client's key.
 */
import { DpopError } from "../resource-server/dpop-verifier.js";
import type { ClientRecord } from "./clients.js";
import { USED_CODE_MEMORY_MS, type CodeRecord } from "./code.js";
import type { ServerContext } from "./context.js";
import { OAuthError, json, randomToken, readForm, sha256 } from "./http.js";
import { allowedScopes, grantScopes, splitScope } from "./roles.js";

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** POST /token */
export async function token(ctx: ServerContext, request: Request): Promise<Response> {
  let form: Record<string, string> = {};
  let client: ClientRecord | undefined;
  try {
    form = await readForm(request);
    client = await ctx.clients.authenticate(form, request.headers, [ctx.issuer(), ctx.url("/token")]);
    const grant = form.grant_type;
    if (!grant) throw new OAuthError("invalid_request", "grant_type is required");
    if (!["authorization_code", "refresh_token", "client_credentials", JWT_BEARER].includes(grant))
      throw new OAuthError("unsupported_grant_type", `grant_type ${grant} is not supported`);
    if (!client.grantTypes.includes(grant))
      throw new OAuthError("unauthorized_client", `client ${client.clientId} may not use the ${grant} grant`);
    const jkt = await dpopKey(ctx, request);
    switch (grant) {
      case "authorization_code":
        return await authorizationCode(ctx, client, form, jkt);
      case "refresh_token":
        return await refresh(ctx, client, form, jkt);
      case "client_credentials":
        return await clientCredentials(ctx, client, form, jkt);
      case JWT_BEARER:
        return await jwtBearer(ctx, client, form, jkt);
      default:
        throw new OAuthError("unsupported_grant_type", `grant_type ${grant} is not supported`);
    }
  } catch (err) {
    if (err instanceof DpopError) {
      await ctx.audit({ type: "token_refused", clientId: client?.clientId, grantType: form.grant_type, outcome: err.error });
      return json(400, { error: err.error, error_description: err.message }, err.nonce ? { "dpop-nonce": err.nonce } : {});
    }
    if (!(err instanceof OAuthError)) throw err;
    await ctx.audit({
      type: "token_refused",
      clientId: client?.clientId,
      grantType: form.grant_type,
      outcome: err.error,
      detail: { reason: err.message },
    });
    return err.response();
  }
}

/** The proof's key thumbprint, when the request carries a DPoP proof; a missing proof when DPoP is required is refused. */
async function dpopKey(ctx: ServerContext, request: Request): Promise<string | undefined> {
  const proof = request.headers.get("dpop");
  if (proof === null) {
    if (ctx.options.dpop?.required)
      throw new OAuthError("invalid_dpop_proof", "this server issues DPoP-bound tokens only: send a DPoP proof");
    return undefined;
  }
  return ctx.dpop.verify(proof, { method: "POST", urls: [ctx.url("/token")] }, undefined, undefined);
}

function tokenResponse(
  access: { token: string; expiresAt: number },
  o: { jkt?: string; scopes: string[]; refreshToken?: string; expiresIn: number },
): Response {
  return json(200, {
    access_token: access.token,
    token_type: o.jkt ? "DPoP" : "Bearer",
    expires_in: o.expiresIn,
    scope: o.scopes.join(" "),
    ...(o.refreshToken ? { refresh_token: o.refreshToken } : {}),
  });
}

async function authorizationCode(
  ctx: ServerContext,
  client: ClientRecord,
  form: Record<string, string>,
  jkt: string | undefined,
): Promise<Response> {
  const code = form.code;
  if (!code) throw new OAuthError("invalid_request", "code is required");
  const hash = await sha256(code);
  const found = await ctx.store.get<CodeRecord>("code", hash);
  if (!found) throw new OAuthError("invalid_grant", "the code is unknown or expired");
  // Everything the presenter must prove is checked before the code is touched: whoever intercepted a public
  // client's code — another client, or someone without the verifier — gets nothing and burns nothing, so the real
  // exchange still succeeds and the real tokens are not revoked.
  if (found.clientId !== client.clientId) throw new OAuthError("invalid_grant", "the code was issued to another client");
  await checkRedemption(found, form, jkt);
  const withRefresh = client.grantTypes.includes("refresh_token");
  // What this exchange will mint is named before the code is marked used, in the same atomic step, so that a
  // second exchange — even a simultaneous one — finds what to revoke.
  const familyId = withRefresh ? await ctx.tokens.familyIdFor(found.user.id, client.clientId, found.resource) : undefined;
  const accessJti = randomToken(16);
  let previous: CodeRecord | undefined;
  const rec = await ctx.store.update<CodeRecord>(
    "code",
    hash,
    (c) => {
      previous = c;
      return c && !c.used ? { ...c, used: true, usedBy: familyId, accessJti } : c && { ...c, reused: true };
    },
    Date.now() + USED_CODE_MEMORY_MS,
  );
  if (!rec || !previous) throw new OAuthError("invalid_grant", "the code is unknown or expired");
  if (previous.used) {
    // RFC 6749 section 4.1.2: a code redeemed twice (its verifier known to a second party) — revoke what the first use got.
    await revokeRedeemed(ctx, previous);
    await ctx.audit({
      type: "token_revoked",
      clientId: client.clientId,
      subject: rec.user.id,
      outcome: "code_reuse",
      grantType: "authorization_code",
    });
    throw new OAuthError("invalid_grant", "the code was already used; the tokens issued for it are revoked");
  }
  const subject = rec.user.id;
  let refreshToken: string | undefined;
  if (familyId) {
    const f = await ctx.tokens.newFamily(
      {
        clientId: client.clientId,
        subject,
        userName: rec.user.name,
        scopes: rec.scopes,
        resource: rec.resource,
        grantType: "authorization_code",
        idp: rec.user.idp,
        jkt,
      },
      familyId,
    );
    refreshToken = f.refreshToken;
    // A simultaneous second redemption may have tried to revoke this family before it existed: look again.
    if ((await ctx.store.get<CodeRecord>("code", hash))?.reused) await ctx.tokens.revokeFamily(familyId);
  }
  const access = await ctx.tokens.accessToken({
    subject,
    clientId: client.clientId,
    resource: rec.resource,
    scopes: rec.scopes,
    jkt,
    familyId,
    idp: rec.user.idp,
    authTime: rec.authTime,
    jti: accessJti,
  });
  await ctx.audit({
    type: "token_issued",
    subject,
    clientId: client.clientId,
    scopes: rec.scopes,
    grantType: "authorization_code",
    resource: rec.resource,
    idp: rec.user.idp,
    outcome: "ok",
    detail: { dpop: jkt !== undefined, refresh: refreshToken !== undefined },
  });
  return tokenResponse(access, { jkt, scopes: rec.scopes, refreshToken, expiresIn: ctx.tokens.accessTtlSec });
}

/** checkRedemption: what a token request must repeat of the authorization request, and the PKCE proof. */
async function checkRedemption(rec: CodeRecord, form: Record<string, string>, jkt: string | undefined): Promise<void> {
  // OAuth 2.1 section 4.1.3: redirect_uri must match when the authorization request carried one.
  if ((rec.redirectUriGiven !== false || form.redirect_uri !== undefined) && form.redirect_uri !== rec.redirectUri)
    throw new OAuthError("invalid_grant", "redirect_uri differs from the authorization request's");
  const verifier = form.code_verifier ?? "";
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier))
    throw new OAuthError("invalid_grant", "code_verifier is missing or malformed (43-128 unreserved characters)");
  if ((await sha256(verifier)) !== rec.challenge)
    throw new OAuthError("invalid_grant", "code_verifier does not match the code_challenge (PKCE)");
  if (form.resource !== undefined && form.resource !== rec.resource)
    throw new OAuthError("invalid_target", "resource differs from the authorization request's");
  if (rec.dpopJkt && rec.dpopJkt !== jkt)
    throw new OAuthError("invalid_dpop_proof", "the DPoP key differs from the dpop_jkt of the authorization request");
}

/** revokeRedeemed ends what a code's first redemption got: its refresh family and its access token. */
async function revokeRedeemed(ctx: ServerContext, used: CodeRecord): Promise<void> {
  if (used.usedBy) await ctx.tokens.revokeFamily(used.usedBy);
  if (used.accessJti) await ctx.tokens.revokeAccessToken(used.accessJti, Math.floor(Date.now() / 1000) + ctx.tokens.accessTtlSec);
}

async function refresh(ctx: ServerContext, client: ClientRecord, form: Record<string, string>, jkt: string | undefined): Promise<Response> {
  const presented = form.refresh_token;
  if (!presented) throw new OAuthError("invalid_request", "refresh_token is required");
  const known = await ctx.tokens.familyOf(presented);
  // Everything that can refuse the request is checked before the token rotates: a refused refresh must leave
  // the client's token as it was, or its retry would look like reuse and revoke the grant.
  if (known) {
    if (known.clientId !== client.clientId) throw new OAuthError("invalid_grant", "the refresh token was issued to another client");
    if (known.jkt && known.jkt !== jkt)
      throw new OAuthError("invalid_grant", "the refresh token is bound to a DPoP key: send a proof signed by it");
    if (form.resource !== undefined && form.resource !== known.resource)
      throw new OAuthError("invalid_target", "the refresh token is for another resource");
    const beyond = (splitScope(form.scope) ?? []).filter((s) => !known.scopes.includes(s));
    if (beyond.length) throw new OAuthError("invalid_scope", `a refresh cannot add scopes (${beyond.join(" ")}); authorize again`);
  }
  // The user's roles now, not when they signed in: a demoted or removed user's refresh gets less, or nothing.
  const current = known && !known.idp ? await ctx.options.users?.lookup?.(known.subject) : undefined;
  if (known && !known.idp && ctx.options.users?.lookup && !current) {
    await ctx.tokens.revokeFamily(known.id);
    throw new OAuthError("invalid_grant", "the user this grant belongs to no longer exists");
  }
  const r = await ctx.tokens.rotate(presented);
  if ("error" in r) {
    if (r.error === "reuse") {
      await ctx.audit({
        type: "refresh_reuse",
        clientId: client.clientId,
        subject: r.family?.subject,
        outcome: "family_revoked",
        resource: r.family?.resource,
      });
      throw new OAuthError("invalid_grant", "the refresh token was already used; its grant is revoked (sign in again)");
    }
    throw new OAuthError("invalid_grant", "the refresh token is unknown, expired or revoked");
  }
  const f = r.family;
  let scopes = splitScope(form.scope) ?? f.scopes;
  if (current) {
    const allowed = allowedScopes(ctx.options, current);
    scopes = scopes.filter((s) => allowed.has(s));
  }
  const access = await ctx.tokens.accessToken({
    subject: f.subject,
    clientId: client.clientId,
    resource: f.resource,
    scopes,
    jkt: f.jkt ?? jkt,
    familyId: f.id,
    idp: f.idp,
  });
  await ctx.audit({
    type: "token_refreshed",
    subject: f.subject,
    clientId: client.clientId,
    scopes,
    grantType: "refresh_token",
    resource: f.resource,
    outcome: "ok",
  });
  return tokenResponse(access, { jkt: f.jkt ?? jkt, scopes, refreshToken: r.refreshToken, expiresIn: ctx.tokens.accessTtlSec });
}

async function clientCredentials(
  ctx: ServerContext,
  client: ClientRecord,
  form: Record<string, string>,
  jkt: string | undefined,
): Promise<Response> {
  if (client.authMethod === "none") throw new OAuthError("unauthorized_client", "client_credentials is for confidential clients");
  const resource = ctx.resource(form.resource);
  if (!form.resource) throw new OAuthError("invalid_target", "resource is required (RFC 8707): the MCP server's URL");
  if (!resource) throw new OAuthError("invalid_target", `${form.resource} is not a resource this server issues tokens for`);
  const { granted, refused } = grantScopes(splitScope(form.scope), resource, allowedScopes(ctx.options, { roles: client.roles }));
  if (refused.length && !granted.length) throw new OAuthError("invalid_scope", `this client's roles allow none of ${refused.join(" ")}`);
  const subject = `client:${client.clientId}`;
  const access = await ctx.tokens.accessToken({ subject, clientId: client.clientId, resource: resource.uri, scopes: granted, jkt });
  await ctx.audit({
    type: "token_issued",
    subject,
    clientId: client.clientId,
    scopes: granted,
    grantType: "client_credentials",
    resource: resource.uri,
    outcome: "ok",
    detail: refused.length ? { refused } : undefined,
  });
  return tokenResponse(access, { jkt, scopes: granted, expiresIn: ctx.tokens.accessTtlSec });
}

async function jwtBearer(
  ctx: ServerContext,
  client: ClientRecord,
  form: Record<string, string>,
  jkt: string | undefined,
): Promise<Response> {
  if (!ctx.idJag.enabled) throw new OAuthError("unsupported_grant_type", "no identity provider is trusted for ID-JAGs on this server");
  if (client.authMethod === "none") throw new OAuthError("unauthorized_client", "the jwt-bearer grant is for clients that authenticate");
  if (!form.assertion) throw new OAuthError("invalid_request", "assertion (the ID-JAG) is required");
  const jag = await ctx.idJag.verify(form.assertion, ctx.issuer(), client.clientId);
  const resource = ctx.resource(jag.resource);
  if (!resource) throw new OAuthError("invalid_grant", `the ID-JAG is for ${jag.resource}, not a resource of this server`);
  if (form.resource !== undefined && form.resource !== resource.uri)
    throw new OAuthError("invalid_target", "resource differs from the ID-JAG's");
  const requested = splitScope(form.scope) ?? jag.scopes;
  const allowed = allowedScopes(ctx.options, { roles: jag.idp.roles, groups: jag.groups });
  const { granted, refused } = grantScopes(requested, resource, allowed);
  if (jag.scopes) for (const s of [...granted]) if (!jag.scopes.includes(s)) granted.splice(granted.indexOf(s), 1);
  const subject = `idp:${jag.idp.name}:${jag.subject}`;
  const access = await ctx.tokens.accessToken({
    subject,
    clientId: client.clientId,
    resource: resource.uri,
    scopes: granted,
    jkt,
    idp: jag.idp.name,
  });
  await ctx.audit({
    type: "token_issued",
    subject,
    clientId: client.clientId,
    scopes: granted,
    grantType: JWT_BEARER,
    resource: resource.uri,
    idp: jag.idp.issuer,
    outcome: "ok",
    detail: { idJag: jag.jti, idpSubject: jag.subject, groups: jag.groups, idpScopes: jag.scopes, refused },
  });
  return tokenResponse(access, { jkt, scopes: granted, expiresIn: ctx.tokens.accessTtlSec });
}

/** POST /revoke (RFC 7009): refresh tokens end their family; access tokens are listed until they expire. Always 200. */
export async function revoke(ctx: ServerContext, request: Request): Promise<Response> {
  try {
    const form = await readForm(request);
    const client = await ctx.clients.authenticate(form, request.headers, [ctx.issuer(), ctx.url("/revoke")]);
    const t = form.token ?? "";
    if (!t) throw new OAuthError("invalid_request", "token is required");
    // The hint is only a hint (RFC 7009 section 2.1): both kinds are tried. Another client's token is left alone.
    const revoked = (subject: string | undefined, kind: string) =>
      ctx.audit({ type: "token_revoked", subject, clientId: client.clientId, outcome: "ok", detail: { kind } });
    const family = await ctx.tokens.familyOf(t);
    if (family?.clientId === client.clientId) {
      await ctx.tokens.revokeFamily(family.id);
      await revoked(family.subject, "refresh_token");
    }
    const info = family ? undefined : await ctx.tokens.verifyAny(t).catch(() => undefined);
    if (info?.clientId === client.clientId) {
      await ctx.tokens.revokeAccessToken(info.jti, info.exp);
      await revoked(info.subject, "access_token");
    }
    return new Response(null, { status: 200, headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof OAuthError) return err.response();
    throw err;
  }
}
