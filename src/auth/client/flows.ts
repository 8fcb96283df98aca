/**
 * The ways an OAuthClient gets tokens:
 * - authorizationCodeFlow: a user signs in (authorization.mdx): PKCE S256, `state`, `resource`, and a client
 *   identity found in the spec's order — pre-registered, then a Client ID Metadata Document (SEP-991) when
 *   the server supports them, then Dynamic Client Registration;
 * - clientCredentialsFlow: a machine acts for itself (SEP-1046), with a secret or a private_key_jwt assertion;
 * - jwtBearerFlow: workload identity federation, a platform-issued JWT as the grant (RFC 7523);
 * - enterpriseFlow: enterprise-managed authorization (SEP-990): the IdP exchanges the user's ID token for an
 *   ID-JAG (RFC 8693), which the MCP authorization server takes as a jwt-bearer grant (RFC 7523).
 */
import * as oauth from "oauth4webapi";
import type { StoredClient } from "./credential-store.js";
import { asServer, clientSecretBasic, identity, preRegistered, readRegistration } from "./client-auth.js";
import { oauthFlow } from "./flow.js";
import type { ClientKey, OAuthFlow, PreRegisteredClient } from "./options.js";
import { addressKind } from "./peer-http.js";
import { withNonceRetry } from "./dpop.js";
import { checkClientIdUrl } from "./client-metadata.js";
import { misuse, TrellisError } from "../../protocol/errors.js";

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_JAG = "urn:ietf:params:oauth:token-type:id-jag";
const ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";

export interface AuthorizationCodeFlowOptions {
  /** Where the authorization server sends the browser back to (loopback or app URL; see loopbackRedirect()). */
  redirectUri: string;
  /**
   * The redirect step: send the user to `url` (open a browser, print it) and resolve with the URL the
   * authorization server redirected back to, query included. The flow checks `state`, `iss` and errors.
   */
  authorize(url: URL): Promise<string | URL>;
  /** Use this registration instead of registering (authorization.mdx "pre-registration"). */
  client?: PreRegisteredClient;
  /** Your Client ID Metadata Document URL (https, with a path); used as client_id where the server supports them. */
  clientMetadataUrl?: string;
  /** Fields for Dynamic Client Registration (client_name at least). redirect_uris and grant types are filled in. */
  clientMetadata?: { client_name: string; [field: string]: unknown };
  /** A key for private_key_jwt, when the registration uses it. */
  clientKey?: ClientKey;
  /** How long the redirect step (`authorize`) may take before the attempt fails, in ms. Default 10 minutes. */
  authorizeTimeoutMs?: number;
}

/** authorizationCodeFlow: a user signs in through the browser; PKCE S256 and `state` are always used. */
export function authorizationCodeFlow(options: AuthorizationCodeFlowOptions): OAuthFlow {
  if (!options?.redirectUri || typeof options.authorize !== "function")
    throw misuse("authorizationCodeFlow: redirectUri and authorize(url) (the redirect step) are required");
  new URL(options.redirectUri);
  if (options.clientMetadataUrl !== undefined) checkClientIdUrl(options.clientMetadataUrl, "clientMetadataUrl");
  return oauthFlow({
    name: "authorization_code",
    usesPkce: true,
    async identify(ctx) {
      const as = ctx.as;
      // 1. pre-registered; 2. a registration made earlier with this server; 3. CIMD; 4. DCR.
      if (options.client) return preRegistered(ctx, options.client, options.clientKey);
      const saved = await ctx.registration.load();
      if (saved && (!saved.redirectUri || saved.redirectUri === options.redirectUri)) return identity(saved, as, options.clientKey);
      if (options.clientMetadataUrl && as.client_id_metadata_document_supported === true) {
        return identity(
          { clientId: options.clientMetadataUrl, tokenEndpointAuthMethod: options.clientKey ? "private_key_jwt" : "none" },
          as,
          options.clientKey,
        );
      }
      if (!as.registration_endpoint) {
        throw new TrellisError(
          "CAPABILITY_MISSING",
          `${as.issuer} supports neither dynamic client registration nor${options.clientMetadataUrl ? "" : " (without clientMetadataUrl)"} client ID metadata documents; pass a pre-registered client: { clientId, clientSecret? }`,
        );
      }
      const supported = as.token_endpoint_auth_methods_supported;
      const method =
        !supported || supported.includes("none")
          ? "none"
          : (["client_secret_basic", "client_secret_post"].find((m) => supported.includes(m)) ?? supported[0]!);
      const redirect = new URL(options.redirectUri);
      const metadata = {
        client_name: "MCP client",
        ...options.clientMetadata,
        redirect_uris: [options.redirectUri],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: method,
        application_type: addressKind(redirect.hostname) === "loopback" || !redirect.protocol.startsWith("http") ? "native" : "web",
      };
      const res = await oauth.dynamicClientRegistrationRequest(asServer(as), metadata as Partial<oauth.Client>, ctx.http);
      // Read leniently: servers often leave out client_secret_expires_at, which oauth4webapi insists on.
      const reg = await readRegistration(res);
      const stored: StoredClient = { clientId: reg.client_id, redirectUri: options.redirectUri };
      if (typeof reg.client_secret === "string") stored.clientSecret = reg.client_secret;
      if (typeof reg.token_endpoint_auth_method === "string") stored.tokenEndpointAuthMethod = reg.token_endpoint_auth_method;
      await ctx.registration.save(stored);
      return identity(stored, as, options.clientKey);
    },
    async obtain(ctx, { client, auth }) {
      const as = asServer(ctx.as);
      if (!as.authorization_endpoint) throw new TrellisError("CAPABILITY_MISSING", `${as.issuer} has no authorization_endpoint`);
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const url = new URL(as.authorization_endpoint);
      const q = url.searchParams;
      q.set("response_type", "code");
      q.set("client_id", client.client_id);
      q.set("redirect_uri", options.redirectUri);
      q.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
      q.set("code_challenge_method", "S256");
      q.set("state", state);
      q.set("resource", ctx.resource);
      if (ctx.scope) q.set("scope", ctx.scope);
      const back = new URL(
        await withTimeout(options.authorize(url), options.authorizeTimeoutMs ?? 600_000, "the sign-in in the browser (authorize)"),
      );
      // state, iss (RFC 9207) and error=... are checked here; a mismatch throws.
      const params = oauth.validateAuthResponse(as, client, back, state);
      return withNonceRetry(async () => {
        const res = await oauth.authorizationCodeGrantRequest(as, client, auth, params, options.redirectUri, verifier, {
          ...ctx.http,
          additionalParameters: { resource: ctx.resource },
        });
        return oauth.processAuthorizationCodeResponse(as, client, res);
      });
    },
  });
}

export interface ClientCredentialsFlowOptions {
  clientId: string;
  /** The issuer these credentials belong to (see PreRegisteredClient.issuer). */
  issuer?: string;
  /** A secret (client_secret_basic, or what the server lists) ... */
  clientSecret?: string;
  /** ... or a private key (private_key_jwt). */
  clientKey?: ClientKey;
  tokenEndpointAuthMethod?: PreRegisteredClient["tokenEndpointAuthMethod"];
}

/** clientCredentialsFlow: the client acts on its own behalf (SEP-1046); no user, no browser. */
export function clientCredentialsFlow(options: ClientCredentialsFlowOptions): OAuthFlow {
  if (!options?.clientId || (!options.clientSecret && !options.clientKey))
    throw misuse("clientCredentialsFlow: clientId and either clientSecret or clientKey are required");
  return oauthFlow({
    name: "client_credentials",
    usesPkce: false,
    identify: (ctx) => preRegistered(ctx, options, options.clientKey),
    async obtain(ctx, { client, auth }) {
      const as = asServer(ctx.as);
      const params: Record<string, string> = { resource: ctx.resource };
      if (ctx.scope) params.scope = ctx.scope;
      return withNonceRetry(async () =>
        oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, auth, params, ctx.http)),
      );
    },
  });
}

export interface EnterpriseFlowOptions {
  /** This client at the MCP server's authorization server. */
  clientId: string;
  /** The issuer these credentials belong to (see PreRegisteredClient.issuer). */
  issuer?: string;
  clientSecret?: string;
  clientKey?: ClientKey;
  tokenEndpointAuthMethod?: PreRegisteredClient["tokenEndpointAuthMethod"];
  /** The enterprise identity provider that issues ID-JAGs. */
  idp: {
    tokenEndpoint: string;
    /** The IdP's issuer (the audience of a private_key_jwt assertion). Default: the token endpoint's origin. */
    issuer?: string;
    /** This client at the IdP. */
    clientId: string;
    clientSecret?: string;
    /** The user's ID token from the IdP (from your SSO sign-in), or a function that gets a fresh one. */
    idToken: string | (() => string | Promise<string>);
  };
}

/**
 * enterpriseFlow (SEP-990): trade the user's IdP ID token for an ID-JAG at the IdP (RFC 8693 token exchange
 * with audience = the MCP authorization server, resource = the MCP server), then the ID-JAG for an access
 * token at the MCP authorization server (RFC 7523 jwt-bearer grant).
 */
export function enterpriseFlow(options: EnterpriseFlowOptions): OAuthFlow {
  if (!options?.clientId || !options.idp?.tokenEndpoint || !options.idp.clientId || !options.idp.idToken) {
    throw misuse("enterpriseFlow: clientId and idp: { tokenEndpoint, clientId, idToken } are required");
  }
  const idpAs: oauth.AuthorizationServer = {
    issuer: options.idp.issuer ?? new URL(options.idp.tokenEndpoint).origin,
    token_endpoint: options.idp.tokenEndpoint,
  };
  const idpClient: oauth.Client = { client_id: options.idp.clientId };
  return oauthFlow({
    name: "enterprise-managed (ID-JAG)",
    usesPkce: false,
    identify: (ctx) => preRegistered(ctx, options, options.clientKey),
    async obtain(ctx, { client, auth }) {
      const as = asServer(ctx.as);
      if (as.grant_types_supported && !as.grant_types_supported.includes(JWT_BEARER)) {
        throw new TrellisError(
          "CAPABILITY_MISSING",
          `${as.issuer} does not list the jwt-bearer grant (${JWT_BEARER}) in grant_types_supported`,
        );
      }
      const idToken = typeof options.idp.idToken === "function" ? await options.idp.idToken() : options.idp.idToken;
      const exchange: Record<string, string> = {
        requested_token_type: ID_JAG,
        audience: as.issuer,
        resource: ctx.resource,
        subject_token: idToken,
        subject_token_type: ID_TOKEN,
      };
      if (ctx.scope) exchange.scope = ctx.scope;
      const idpAuth = options.idp.clientSecret ? clientSecretBasic(options.idp.clientSecret) : oauth.None();
      // The IdP is the caller's choice, not the server's: its own address is allowed; DPoP is not for it.
      const idpHttp = ctx.httpFor(options.idp.tokenEndpoint);
      const exRes = await oauth.genericTokenEndpointRequest(idpAs, idpClient, idpAuth, TOKEN_EXCHANGE, exchange, idpHttp);
      // An ID-JAG is not an access token: token_type is "N_A" (RFC 8693 section 2.2.1).
      const ex = await oauth.processGenericTokenEndpointResponse(idpAs, idpClient, exRes, { recognizedTokenTypes: { n_a: () => {} } });
      if (ex.issued_token_type !== undefined && ex.issued_token_type !== ID_JAG)
        throw new TrellisError("INVALID_MESSAGE", `the IdP issued ${String(ex.issued_token_type)}, not an ID-JAG`);
      const grant: Record<string, string> = { assertion: ex.access_token };
      if (ctx.scope) grant.scope = ctx.scope;
      return withNonceRetry(async () =>
        oauth.processGenericTokenEndpointResponse(
          as,
          client,
          await oauth.genericTokenEndpointRequest(as, client, auth, JWT_BEARER, grant, ctx.http),
        ),
      );
    },
  });
}

export interface JwtBearerFlowOptions {
  /** This client at the authorization server (sent as client_id; no client secret). */
  clientId: string;
  /** The issuer the assertion is meant for (see PreRegisteredClient.issuer). */
  issuer?: string;
  /**
   * The JWT to present as the grant (RFC 7523 section 2.1): a workload identity token from the platform
   * (Kubernetes, a cloud metadata server, a CI system), or a function that fetches a fresh one each time.
   */
  assertion: string | (() => string | Promise<string>);
}

/**
 * jwtBearerFlow: workload identity federation — the platform vouches for the workload with a signed JWT,
 * which the authorization server trades for an access token (RFC 7523 jwt-bearer grant). A refused grant is
 * reported, not retried with another grant type.
 */
export function jwtBearerFlow(options: JwtBearerFlowOptions): OAuthFlow {
  if (!options?.clientId || !options.assertion) throw misuse("jwtBearerFlow: clientId and assertion are required");
  return oauthFlow({
    name: "jwt-bearer",
    usesPkce: false,
    identify: async (ctx) => {
      await ctx.bind(options.clientId, options.issuer); // the assertion is a credential too
      return { client: { client_id: options.clientId, token_endpoint_auth_method: "none" }, auth: oauth.None() };
    },
    async obtain(ctx, { client, auth }) {
      const as = asServer(ctx.as);
      const assertion = typeof options.assertion === "function" ? await options.assertion() : options.assertion;
      const params: Record<string, string> = { assertion, resource: ctx.resource };
      if (ctx.scope) params.scope = ctx.scope;
      return withNonceRetry(async () =>
        oauth.processGenericTokenEndpointResponse(
          as,
          client,
          await oauth.genericTokenEndpointRequest(as, client, auth, JWT_BEARER, params, ctx.http),
        ),
      );
    },
  });
}

/** withTimeout settles with `p`, or rejects once `ms` pass, naming `what` took too long. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new TrellisError("REQUEST_TIMEOUT", `${what} did not finish within ${ms} ms`)), ms)),
  );
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
