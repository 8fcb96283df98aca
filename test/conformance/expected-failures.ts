/**
 * Conformance scenarios known to fail, with the reason. The conformance tests fail when a scenario listed
 * here passes, so that the entry is removed with the fix.
 */
export const EXPECTED_CLIENT_FAILURES: Record<string, string> = {};
