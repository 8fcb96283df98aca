/** What the authorization server's endpoints share: configuration, stores, and the pieces built from them. */
import type { AuditEvent, AuditSink } from "../../stores/audit.js";
import type { AuthStore } from "../../stores/auth-store.js";
import type { DpopProofVerifier } from "../resource-server/dpop-verifier.js";
import type { Clients } from "./clients.js";
import type { IdJagVerifier } from "./id-jag.js";
import type { AuthServerOptions, ProtectedResourceConfig } from "./options.js";
import type { Tokens } from "./tokens.js";

export interface ServerContext {
  options: AuthServerOptions;
  issuer(): string;
  /** An endpoint's absolute URL ("/token" → "<issuer>/token"). */
  url(path: string): string;
  resource(uri: string | undefined): ProtectedResourceConfig | undefined;
  store: AuthStore;
  clients: Clients;
  tokens: Tokens;
  idJag: IdJagVerifier;
  dpop: DpopProofVerifier;
  audit(event: Omit<AuditEvent, "at">): Promise<void>;
  auditSink?: AuditSink;
  secureCookies(): boolean;
}
