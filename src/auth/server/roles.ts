/**
 * Roles: configuration maps users, groups and clients to roles, and roles to scopes. A token carries only scopes
 * the principal's roles allow; what a client asks for is cut down to that, and what it asks for by default is
 * the resource's default scopes (the spec's Scope Selection Strategy).
 */
import type { AuthServerOptions } from "./options.js";

export function allowedScopes(options: AuthServerOptions, principal: { roles?: string[]; groups?: string[] }): Set<string> {
  // Own properties only: a group or role named "constructor" or "__proto__" (an IdP's choice) maps to nothing.
  const own = (map: Record<string, string[]> | undefined, key: string) => (map && Object.hasOwn(map, key) ? map[key]! : []);
  const roles = new Set(principal.roles ?? []);
  for (const g of principal.groups ?? []) for (const r of own(options.groupRoles, g)) roles.add(r);
  const out = new Set<string>();
  for (const r of roles) for (const s of own(options.roles, r)) out.add(s);
  return out;
}

/**
 * grantScopes decides a token's scopes: those requested (else the resource's defaults) that the roles allow and
 * the resource knows. `refused` lists what was asked for and not granted, for the consent page and the audit log.
 */
export function grantScopes(
  requested: string[] | undefined,
  resource: { scopes?: string[]; defaultScopes?: string[] },
  allowed: Set<string>,
): { granted: string[]; refused: string[] } {
  const known = resource.scopes ? new Set(resource.scopes) : undefined;
  const wanted = requested?.length ? requested : (resource.defaultScopes ?? resource.scopes ?? []);
  const granted: string[] = [];
  const refused: string[] = [];
  for (const s of new Set(wanted)) (allowed.has(s) && (!known || known.has(s)) ? granted : refused).push(s);
  return { granted, refused };
}

export function splitScope(scope: string | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  const list = scope.split(" ").filter(Boolean);
  return list.length ? list : undefined;
}
