/**
 * Conformance scenarios known to fail, with the reason. The conformance tests fail when a scenario listed
 * here passes, so that the entry is removed with the fix.
 */
export const EXPECTED_CLIENT_FAILURES: Record<string, string> = {
  "auth/dpop": "DPoP-bound tokens (SEP-1932, RFC 9449) are not built: the client sends Bearer tokens only",
  "auth/dpop-nonce": "DPoP-bound tokens (SEP-1932, RFC 9449) are not built: the client sends Bearer tokens only",
};
