/**
 * What a handler returns is checked against the schema before it is sent. The server is the last place a
 * handler's bug can be named: sent as it is, a forgotten await (a Promise where text belongs, which JSON turns
 * into `{}`) or a misspelt field reaches the client as something it cannot read, and the model as nothing. A tool's
 * invalid result becomes an isError result (tools.ts); a prompt's, a resource's or a completer's becomes -32603.
 * Either way the message names what returned it, the field, and the file and line that registered it, and the
 * server's onerror hears of it. The schema is 2025-11-25's: the handler's result is checked before it is shaped
 * for the revision spoken (older revisions lose fields, 2026-07-28 adds its envelope), since one handler serves all.
 */
import { ErrorCode, ProtocolError, TrellisError } from "../protocol/errors.js";
import type { CompiledValidator } from "../protocol/generated/validators.js";
import { findProblem } from "../protocol/validate.js";
import type { CallSite } from "../internal/caller.js";

/** Where an invalid result is reported beside the answer (the server's onerror). */
export type Report = ((error: Error) => void) | undefined;

/** What is wrong with a result, with a hint at the likely cause; undefined when it fits. */
export function resultProblem(validator: CompiledValidator, value: unknown): { problem: string; fix: string } | undefined {
  const found = findProblem(validator, value);
  if (!found) return undefined;
  let at: unknown = value;
  for (const k of found.path) at = typeof at === "object" && at !== null ? (at as Record<string, unknown>)[k] : undefined;
  const promise = typeof (at as { then?: unknown } | null)?.then === "function";
  return {
    problem: `returned an invalid result: ${found.message}`,
    fix: promise ? `"${found.path.join(".")}" is a Promise: a forgotten await in its handler?` : "fix its handler",
  };
}

/** The message for an invalid result of `what` (`tool "x"`), reported to the server's onerror. */
export function invalidResultMessage(report: Report, what: string, problem: string, fix: string, site: CallSite | undefined): string {
  const where = site?.location;
  const text = `${what} ${problem}; ${fix}${where ? ` (registered at ${where})` : ""}`;
  report?.(new TrellisError("INVALID_MESSAGE", text));
  return text;
}

/** checkedResult returns `result` when it fits `validator`, and otherwise throws the -32603 that names the bug. */
export function checkedResult<T>(report: Report, validator: CompiledValidator, result: T, what: string, site: CallSite | undefined): T {
  const p = resultProblem(validator, result);
  if (!p) return result;
  throw new ProtocolError(ErrorCode.InternalError, invalidResultMessage(report, what, p.problem, p.fix, site));
}
