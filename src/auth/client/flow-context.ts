/**
 * flowContext builds what a flow works with once discovery is done: the metadata, the resource and scopes, the
 * HTTP options, and the two things that touch stored credentials — the registration kept under its issuer, and the
 * binding of pre-registered credentials to one issuer (authorization.mdx; issue-10 credential hardening).
 */
import { TrellisError } from "../../protocol/errors.js";
import type { CredentialStore, StoredClient } from "./credential-store.js";
import type { AuthorizationServerMetadata, ResourceMetadata } from "./discovery.js";
import type { FlowContext, OAuthHttp } from "./flow.js";

export interface FlowContextParts {
  as: AuthorizationServerMetadata;
  prm: ResourceMetadata;
  scope: string | undefined;
  store: CredentialStore;
  http: OAuthHttp;
  httpFor(url: string): OAuthHttp;
}

const sameIssuer = (a: string, b: string) => a.replace(/\/$/, "") === b.replace(/\/$/, "");

export function flowContext({ as, prm, scope, store, http, httpFor }: FlowContextParts): FlowContext {
  const key = `client ${as.issuer}`;
  return {
    as,
    prm,
    resource: prm.resource,
    scope,
    http,
    httpFor,
    registration: {
      load: async () => {
        const saved = (await store.load(key)) as StoredClient | undefined;
        // Kept under its issuer's key; one that names another issuer (a hand-edited store) is not used.
        return saved && (saved.issuer === undefined || saved.issuer === as.issuer) ? saved : undefined;
      },
      save: async (c) => void (await store.save(key, { ...c, issuer: as.issuer })),
      forget: async () => void (await store.save(key, undefined)),
    },
    bind: async (clientId, issuer) => {
      if (issuer !== undefined) {
        if (!sameIssuer(issuer, as.issuer)) {
          throw new TrellisError(
            "UNSAFE_URL",
            `the credentials of client ${JSON.stringify(clientId)} belong to ${issuer}, but this server's authorization server is ${as.issuer}; refusing to send them there`,
          );
        }
        return;
      }
      const bindingKey = `binding ${clientId}`;
      const bound = (await store.load(bindingKey)) as string | undefined;
      if (bound === undefined) await store.save(bindingKey, as.issuer);
      else if (bound !== as.issuer) {
        throw new TrellisError(
          "UNSAFE_URL",
          `the credentials of client ${JSON.stringify(clientId)} were first used with ${bound}; refusing to send them to ${as.issuer} (name the right one with the flow's issuer option)`,
        );
      }
    },
  };
}
