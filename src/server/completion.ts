/**
 * Completion (server/utilities/completion.mdx): values for a prompt argument or a resource template variable,
 * proposed by the completer registered with it (`complete` in its config), at most 100 at a time.
 */
import { ErrorCode, ProtocolError } from "../protocol/errors.js";
import type { CompleteRequestParams, CompleteResult } from "../protocol/generated/schema-types.js";
import type { CapabilityContribution, ServerMethod } from "./registrar.js";
import type { Completer } from "./resources.js";

/** The most values one answer carries (the spec's limit); `total` and `hasMore` tell the rest. */
export const MAX_COMPLETION_VALUES = 100;

/** completion/complete: an unknown prompt or template is -32602; a fixed resource or an argument with no completer has no values. */
export const complete: ServerMethod = async (params, { state }): Promise<CompleteResult> => {
  const p = params as unknown as CompleteRequestParams;
  let completer: Completer | undefined;
  if (p.ref.type === "ref/prompt") {
    const entry = state.prompts.get(p.ref.name);
    if (!entry) throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: unknown prompt ${JSON.stringify(p.ref.name)}`);
    completer = entry.complete.get(p.argument.name);
  } else {
    const entry = state.templates.get(p.ref.uri);
    if (!entry) {
      if (state.resources.has(p.ref.uri)) return { completion: { values: [] } };
      throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: unknown resource template ${JSON.stringify(p.ref.uri)}`);
    }
    completer = entry.complete?.[p.argument.name];
  }
  if (!completer) return { completion: { values: [] } };
  const all = await completer(p.argument.value, { arguments: p.context?.arguments });
  const values = all.slice(0, MAX_COMPLETION_VALUES);
  return { completion: { values, total: all.length, hasMore: all.length > values.length } };
};

/** Completion is always declared: any prompt argument or template variable may have a completer. */
export const completionsCapability: CapabilityContribution = (_state, caps) => {
  caps.completions ??= {};
};
