/** Scope strings (space-separated, RFC 6749 section 3.3): which to ask for, and how grants compare. */
import type { BearerChallenge, ResourceMetadata } from "./discovery.js";

/** scopeList splits a scope string into its scopes. */
export const scopeList = (scope: string | undefined): string[] => (scope ?? "").split(" ").filter(Boolean);

/** unionScopes joins scope strings without repeats; undefined when empty. */
export function unionScopes(...scopes: (string | undefined)[]): string | undefined {
  const set = new Set(scopes.flatMap(scopeList));
  return set.size ? [...set].join(" ") : undefined;
}

/** missingScopes: the scopes of `needed` that `granted` lacks. */
export function missingScopes(needed: string | undefined, granted: string | undefined): string[] {
  const have = new Set(scopeList(granted));
  return [...new Set(scopeList(needed))].filter((s) => !have.has(s));
}

/**
 * selectScope picks the scopes to ask for (authorization.mdx, "Scope Selection Strategy"): the challenge's scope
 * first, else the PRM's scopes_supported, else none (omit the parameter).
 */
export function selectScope(
  challenge: BearerChallenge | undefined,
  resource: Pick<ResourceMetadata, "scopes_supported"> | undefined,
): string | undefined {
  if (challenge?.scope) return challenge.scope;
  if (resource?.scopes_supported?.length) return resource.scopes_supported.join(" ");
  return undefined;
}
