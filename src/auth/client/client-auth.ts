/**
 * Who the client is at an authorization server and how it proves it at the token endpoint (RFC 6749 section 2.3,
 * RFC 7523): pre-registered credentials (bound to their issuer), registrations, private keys for private_key_jwt,
 * and the choice among the methods a server lists.
 */
import * as oauth from "oauth4webapi";
import { TrellisError } from "../../protocol/errors.js";
import { importJWK, importPKCS8, type JWK } from "jose";
import type { StoredClient } from "./credential-store.js";
import type { AuthorizationServerMetadata } from "./discovery.js";
import type { ClientIdentity, FlowContext } from "./flow.js";
import type { ClientKey, PreRegisteredClient } from "./options.js";

export function asServer(as: AuthorizationServerMetadata): oauth.AuthorizationServer {
  return as as unknown as oauth.AuthorizationServer;
}

async function importKey(k: ClientKey): Promise<oauth.PrivateKey> {
  const alg = k.algorithm ?? (typeof k.key === "object" && "alg" in k.key && typeof k.key.alg === "string" ? k.key.alg : "ES256");
  const key =
    typeof k.key === "string"
      ? await importPKCS8(k.key, alg)
      : "kty" in k.key
        ? ((await importJWK(k.key as JWK, alg)) as CryptoKey)
        : (k.key as CryptoKey);
  return k.kid ? { key, kid: k.kid } : { key };
}

/**
 * chooseAuthMethod picks the token endpoint authentication: the registration's own method, else the first of
 * our preferences the server lists (RFC 8414's default, client_secret_basic, when it lists none).
 */
export function chooseAuthMethod(
  reg: { clientSecret?: string; tokenEndpointAuthMethod?: string },
  as: AuthorizationServerMetadata,
  hasKey = false,
): string {
  if (reg.tokenEndpointAuthMethod) return reg.tokenEndpointAuthMethod;
  const supported = as.token_endpoint_auth_methods_supported;
  const prefs = hasKey ? ["private_key_jwt"] : reg.clientSecret ? ["client_secret_basic", "client_secret_post"] : [];
  if (!supported?.length) return prefs[0] ?? "none";
  return prefs.find((m) => supported.includes(m)) ?? (supported.includes("none") ? "none" : (prefs[0] ?? "none"));
}

/**
 * clientSecretBasic (RFC 6749 section 2.3.1): id and secret form-urlencoded, then Base64. oauth4webapi's own
 * version also escapes "-", ".", "_" and "~", which many servers do not decode; this one escapes what
 * application/x-www-form-urlencoded escapes and nothing more.
 */
export function clientSecretBasic(clientSecret: string): oauth.ClientAuth {
  const enc = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
  return (_as, client, _body, headers) => {
    headers.set("authorization", `Basic ${btoa(`${enc(client.client_id)}:${enc(clientSecret)}`)}`);
  };
}

/** readRegistration accepts an RFC 7591 answer: 201 (or 200) with a JSON body that has a client_id. */
export async function readRegistration(
  res: Response,
): Promise<{ client_id: string; client_secret?: unknown; token_endpoint_auth_method?: unknown }> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const b = body as { client_id?: unknown; error?: unknown; error_description?: unknown } | undefined;
  if (!res.ok || typeof b?.client_id !== "string") {
    const why =
      typeof b?.error === "string"
        ? `${b.error}${typeof b.error_description === "string" ? `: ${b.error_description}` : ""}`
        : text.slice(0, 200);
    throw new TrellisError("REQUEST_FAILED", `dynamic client registration failed (HTTP ${res.status}): ${why}`);
  }
  return b as { client_id: string };
}

/**
 * preRegistered is the identity of credentials the caller configured: bound to one authorization server first
 * (FlowContext.bind), when there is anything secret to send.
 */
export async function preRegistered(ctx: FlowContext, reg: PreRegisteredClient, key?: ClientKey): Promise<ClientIdentity> {
  if (reg.clientSecret !== undefined || key !== undefined) await ctx.bind(reg.clientId, reg.issuer);
  return identity(reg, ctx.as, key);
}

export async function identity(reg: StoredClient, as: AuthorizationServerMetadata, key?: ClientKey): Promise<ClientIdentity> {
  const method = chooseAuthMethod(reg, as, key !== undefined);
  const client: oauth.Client = { client_id: reg.clientId, token_endpoint_auth_method: method };
  switch (method) {
    case "none":
      return { client, auth: oauth.None() };
    case "client_secret_basic":
    case "client_secret_post":
      if (!reg.clientSecret)
        throw new TrellisError(
          "REQUEST_FAILED",
          `token endpoint auth ${method} needs a client secret, and client ${reg.clientId} has none`,
        );
      return {
        client,
        auth: method === "client_secret_basic" ? clientSecretBasic(reg.clientSecret) : oauth.ClientSecretPost(reg.clientSecret),
      };
    case "private_key_jwt":
      if (!key)
        throw new TrellisError("REQUEST_FAILED", `token endpoint auth private_key_jwt needs a private key for client ${reg.clientId}`);
      return { client, auth: oauth.PrivateKeyJwt(await importKey(key)) };
    default:
      throw new TrellisError(
        "REQUEST_FAILED",
        `token endpoint auth method ${JSON.stringify(method)} is not supported (use none, client_secret_basic, client_secret_post or private_key_jwt)`,
      );
  }
}
