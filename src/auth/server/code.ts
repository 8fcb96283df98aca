/** Authorization codes: one use, a minute to live, kept hashed; a reused code revokes what it was exchanged for. */
import type { AuthUser } from "./users.js";

export const AUTHORIZATION_CODE_TTL_MS = 60_000;
/** How long a used code is remembered, so that a second use is recognised (and revokes the first's tokens). */
export const USED_CODE_MEMORY_MS = 10 * 60_000;

export interface CodeRecord {
  clientId: string;
  redirectUri: string;
  challenge: string;
  resource: string;
  scopes: string[];
  user: AuthUser;
  authTime?: number;
  dpopJkt?: string;
  /** Whether the authorization request named the redirect URI (the token request must then repeat it). */
  redirectUriGiven?: boolean;
  /** Set once exchanged: the refresh family and the access token it got (revoked if the code is used again). */
  usedBy?: string;
  accessJti?: string;
  used?: boolean;
  /** Set when the code was redeemed again: the first redemption, if still minting, revokes its own family. */
  reused?: boolean;
}
