/**
 * Validation against the official schema. The validators are generated at build time from
 * schema/2025-11-25.json (scripts/gen-protocol.mjs), so nothing is compiled at run time.
 */
import type { CompiledValidator } from "./generated/validators.js";

/**
 * checkAgainst runs one compiled validator and returns undefined when the value fits, or a message that
 * names the offending field, such as `"name" must be string`.
 */
export function checkAgainst(validator: CompiledValidator, value: unknown): string | undefined {
  return findProblem(validator, value)?.message;
}

/**
 * findProblem is checkAgainst with where the problem is: the path of the offending field (keys and array indexes
 * from the root), so that a caller can look at the value there (a Promise where a string belongs: a forgotten await).
 */
export function findProblem(validator: CompiledValidator, value: unknown): { message: string; path: string[] } | undefined {
  if (validator(value)) return undefined;
  const e = validator.errors?.[0];
  if (!e) return { message: "does not match the schema", path: [] };
  const path = e.instancePath
    ? e.instancePath
        .slice(1)
        .split("/")
        .map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"))
    : [];
  return { message: describe(e), path };
}

function describe(e: NonNullable<CompiledValidator["errors"]>[number]): string {
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") : "";
  if (e.keyword === "required" && typeof e.params.missingProperty === "string") {
    const field = where ? `${where}.${e.params.missingProperty}` : e.params.missingProperty;
    return `missing required field "${field}"`;
  }
  if (e.keyword === "additionalProperties" && typeof e.params.additionalProperty === "string") {
    return `unexpected field "${where ? `${where}.` : ""}${e.params.additionalProperty}"`;
  }
  return where ? `"${where}" ${e.message ?? "is invalid"}` : `params ${e.message ?? "are invalid"}`;
}
