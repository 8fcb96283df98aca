/**
 * Client-side elicitation rules: SEP-1034 defaults are applied to accepted content, accepted content is
 * checked against the requested schema before it is sent, and URL mode exposes the domain to show the user.
 */
import { validateElicitedContent } from "../internal/elicitation-schema.js";
import type { ElicitRequestFormParams, ElicitResult } from "../protocol/generated/schema-types.js";
import { misuse } from "../protocol/errors.js";

/** applyDefaults fills fields the user left out with the schema's defaults (SEP-1034). */
export function applyDefaults(
  schema: ElicitRequestFormParams["requestedSchema"],
  content: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...content };
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const d = (prop as { default?: unknown }).default;
    if (out[name] === undefined && d !== undefined) out[name] = structuredClone(d);
  }
  return out;
}

/** checkFormResult applies defaults and returns the result to send, or throws naming what is wrong. */
export function checkFormResult(params: ElicitRequestFormParams, result: ElicitResult): ElicitResult {
  if (result.action !== "accept") {
    const { content: _drop, ...rest } = result;
    return rest;
  }
  const content = applyDefaults(params.requestedSchema, result.content as Record<string, unknown> | undefined);
  const problem = validateElicitedContent(params.requestedSchema as Parameters<typeof validateElicitedContent>[0], content);
  if (problem) throw misuse(`elicitation handler: accepted content does not match requestedSchema: ${problem}`, "ERR_INVALID_RETURN_VALUE");
  return { ...result, content: content as ElicitResult["content"] };
}

/** domainOf returns the host a URL-mode elicitation would open, for the consent prompt. */
export function domainOf(url: string): string {
  return new URL(url).hostname;
}
