/**
 * Upstream OpenID Connect federation: the authorization server fronts another identity provider (Okta, Entra ID,
 * Google, Keycloak...). Its sign-in page offers "Sign in with <IdP>"; the browser goes there (authorization code
 * with PKCE, state and nonce), comes back to `/authorize/callback`, and the ID token (signature, issuer, audience,
 * nonce, expiry — checked by oauth4webapi) names the user, whose groups map to roles like local users'. The
 * MCP client never sees the upstream tokens; this server issues its own.
 */
import * as oauth from "oauth4webapi";
import { misuse } from "../../protocol/errors.js";
import type { AuthUser } from "./users.js";

export interface OidcFederationOptions {
  /** The upstream IdP's issuer; its metadata is read from /.well-known/openid-configuration. */
  issuer: string;
  /** This server's client at the IdP (its redirect URI there is `<our issuer>/authorize/callback`). */
  clientId: string;
  clientSecret?: string;
  /** A short name: the button, the audit log, and users' ids (`<name>:<sub>`). Default: the issuer's host. */
  name?: string;
  /** The button's text. Default "Sign in with <name>". */
  label?: string;
  /** Scopes asked for. Default openid profile email. */
  scopes?: string[];
  /** The ID token claim holding the user's groups (mapped through groupRoles). Default "groups". */
  groupsClaim?: string;
  /** Roles every user from this IdP gets. */
  roles?: string[];
  /** Plain http to the IdP (development against a local IdP only). Default false. */
  allowInsecureHttp?: boolean;
  /** The fetch to use. Default globalThis.fetch. */
  fetch?: typeof fetch;
}

export interface UpstreamIdp {
  readonly name: string;
  readonly label: string;
  /** The URL to send the browser to, with what must be remembered until it comes back. */
  start(redirectUri: string): Promise<{ url: string; state: string; verifier: string; nonce: string }>;
  /** Finishes a sign-in from the callback URL; throws with a reason people can read. */
  finish(callback: URL, redirectUri: string, expected: { state: string; verifier: string; nonce: string }): Promise<AuthUser>;
}

/** oidcFederation makes an upstream IdP for AuthServerOptions.federation. */
export function oidcFederation(o: OidcFederationOptions): UpstreamIdp {
  if (!o?.issuer || !URL.canParse(o.issuer) || !o.clientId) throw misuse("oidcFederation: issuer (a URL) and clientId are required");
  const issuer = new URL(o.issuer);
  if (issuer.protocol !== "https:" && !o.allowInsecureHttp)
    throw misuse(`oidcFederation: ${o.issuer} must be https (allowInsecureHttp for a local IdP)`);
  const name = o.name ?? issuer.host;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
    throw misuse(`oidcFederation: name ${JSON.stringify(name)} must be 1-64 of letters, digits, . _ -`);
  const client: oauth.Client = { client_id: o.clientId };
  const auth = o.clientSecret ? oauth.ClientSecretBasic(o.clientSecret) : oauth.None();
  const http = { [oauth.customFetch]: o.fetch ?? fetch, [oauth.allowInsecureRequests]: o.allowInsecureHttp === true };
  let metadata: Promise<oauth.AuthorizationServer> | undefined;
  const discover = () =>
    (metadata ??= oauth
      .discoveryRequest(issuer, { ...http, algorithm: "oidc" })
      .then((r) => oauth.processDiscoveryResponse(issuer, r))
      .catch((err: unknown) => {
        metadata = undefined;
        throw err;
      }));
  return {
    name,
    label: o.label ?? `Sign in with ${name}`,
    async start(redirectUri) {
      const as = await discover();
      if (!as.authorization_endpoint) throw new Error(`${o.issuer} publishes no authorization_endpoint`);
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const nonce = oauth.generateRandomNonce();
      const url = new URL(as.authorization_endpoint);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("client_id", o.clientId);
      url.searchParams.set("redirect_uri", redirectUri);
      url.searchParams.set("scope", (o.scopes ?? ["openid", "profile", "email"]).join(" "));
      url.searchParams.set("state", state);
      url.searchParams.set("nonce", nonce);
      url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
      url.searchParams.set("code_challenge_method", "S256");
      return { url: url.href, state, verifier, nonce };
    },
    async finish(callback, redirectUri, expected) {
      const as = await discover();
      const params = oauth.validateAuthResponse(as, client, callback, expected.state);
      const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, expected.verifier, http);
      const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
        expectedNonce: expected.nonce,
        requireIdToken: true,
      });
      const claims = oauth.getValidatedIdTokenClaims(result)!;
      const groups = claims[o.groupsClaim ?? "groups"];
      const display = [claims.name, claims.email, claims.preferred_username].find((v) => typeof v === "string") as string | undefined;
      return {
        id: `${name}:${claims.sub}`,
        name: display ?? claims.sub,
        groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === "string") : [],
        roles: o.roles ?? [],
        idp: as.issuer,
      };
    },
  };
}
