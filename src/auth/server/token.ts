/**
 * The token endpoint (RFC 6749 section 3.2) and revocation (RFC 7009). Grants: authorization_code (PKCE S256
 * checked, code used once, redirect URI and resource as authorized), refresh_token (rotation with a grace
 * window, reuse revokes the family), client_credentials (SEP-1046: confidential clients only, no refresh token)
 * and jwt-bearer with an ID-JAG (SEP-990, no refresh token). A DPoP proof binds the tokens to the client's key.
 */
import { DpopError } from "../resource-server/dpop-verifier.js";
import { consentId } from "./authorize.js";
import type { ClientRecord } from "./clients.js";
import { USED_CODE_MEMORY_MS, type CodeRecord } from "./code.js";
import type { ServerContext } from "./context.js";
import { OAuthError, json, readForm, sha256 } from "./http.js";
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
  let previous: CodeRecord | undefined;
  const rec = await ctx.store.update<CodeRecord>(
    "code",
    hash,
    (c) => {
      previous = c;
      return c ? { ...c, used: true } : c;
    },
    Date.now() + USED_CODE_MEMORY_MS,
  );
  if (!rec || !previous) throw new OAuthError("invalid_grant", "the code is unknown or expired");
  if (previous.used) {
    // RFC 6749 section 4.1.2: a code used twice — revoke what the first use got.
    if (previous.usedBy) await ctx.tokens.revokeFamily(previous.usedBy);
    await ctx.audit({
      type: "token_revoked",
      clientId: client.clientId,
      subject: rec.user.id,
      outcome: "code_reuse",
      grantType: "authorization_code",
    });
    throw new OAuthError("invalid_grant", "the code was already used; the tokens issued for it are revoked");
  }
  if (rec.clientId !== client.clientId) throw new OAuthError("invalid_grant", "the code was issued to another client");
  if (form.redirect_uri !== rec.redirectUri) throw new OAuthError("invalid_grant", "redirect_uri differs from the authorization request's");
  const verifier = form.code_verifier ?? "";
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier))
    throw new OAuthError("invalid_grant", "code_verifier is missing or malformed (43-128 unreserved characters)");
  if ((await sha256(verifier)) !== rec.challenge)
    throw new OAuthError("invalid_grant", "code_verifier does not match the code_challenge (PKCE)");
  if (form.resource !== undefined && form.resource !== rec.resource)
    throw new OAuthError("invalid_target", "resource differs from the authorization request's");
  if (rec.dpopJkt && rec.dpopJkt !== jkt)
    throw new OAuthError("invalid_dpop_proof", "the DPoP key differs from the dpop_jkt of the authorization request");
  const subject = rec.user.id;
  let familyId: string | undefined;
  let refreshToken: string | undefined;
  if (client.grantTypes.includes("refresh_token")) {
    const f = await ctx.tokens.newFamily({
      clientId: client.clientId,
      subject,
      userName: rec.user.name,
      scopes: rec.scopes,
      resource: rec.resource,
      grantType: "authorization_code",
      idp: rec.user.idp,
      jkt,
    });
    familyId = f.family.id;
    refreshToken = f.refreshToken;
    await ctx.store.update<CodeRecord>("code", hash, (c) => (c ? { ...c, usedBy: familyId } : c));
    // The user's grant (their consent) lists its families, so that revoking the grant ends them.
    await ctx.store.update<{ families?: string[] }>("consent", consentId(subject, client.clientId, rec.resource), (c) =>
      c ? { ...c, families: [...(c.families ?? []), familyId!].slice(-50) } : c,
    );
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

async function refresh(ctx: ServerContext, client: ClientRecord, form: Record<string, string>, jkt: string | undefined): Promise<Response> {
  const presented = form.refresh_token;
  if (!presented) throw new OAuthError("invalid_request", "refresh_token is required");
  const known = await ctx.tokens.familyOf(presented);
  if (known && known.clientId !== client.clientId) throw new OAuthError("invalid_grant", "the refresh token was issued to another client");
  if (known?.jkt && known.jkt !== jkt)
    throw new OAuthError("invalid_grant", "the refresh token is bound to a DPoP key: send a proof signed by it");
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
  let scopes = f.scopes;
  const asked = splitScope(form.scope);
  if (asked) {
    const beyond = asked.filter((s) => !f.scopes.includes(s));
    if (beyond.length) throw new OAuthError("invalid_scope", `a refresh cannot add scopes (${beyond.join(" ")}); authorize again`);
    scopes = asked;
  }
  if (form.resource !== undefined && form.resource !== f.resource)
    throw new OAuthError("invalid_target", "the refresh token is for another resource");
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
    const family = form.token_type_hint !== "access_token" ? await ctx.tokens.familyOf(t) : undefined;
    if (family) {
      if (family.clientId === client.clientId) {
        await ctx.tokens.revokeFamily(family.id);
        await ctx.audit({
          type: "token_revoked",
          subject: family.subject,
          clientId: client.clientId,
          outcome: "ok",
          detail: { kind: "refresh_token" },
        });
      }
      return new Response(null, { status: 200, headers: { "cache-control": "no-store" } });
    }
    const info = await ctx.tokens.verifyAny(t).catch(() => undefined);
    if (info && info.clientId === client.clientId) {
      await ctx.tokens.revokeAccessToken(info.jti, info.exp);
      await ctx.audit({
        type: "token_revoked",
        subject: info.subject,
        clientId: client.clientId,
        outcome: "ok",
        detail: { kind: "access_token" },
      });
    }
    return new Response(null, { status: 200, headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof OAuthError) return err.response();
    throw err;
  }
}
