/**
 * Completion (server/utilities/completion.mdx): values for a prompt argument or a resource template variable,
 * proposed by the completer registered with it (`complete` in its config), at most 100 at a time.
 */
import { ErrorCode, ProtocolError } from "../protocol/errors.js";
import type { CompleteRequestParams, CompleteResult } from "../protocol/generated/schema-types.js";
import type { CapabilityContribution, ServerMethod } from "./registrar.js";
import type { Completer } from "./resources.js";
import { checkedResult, invalidResultMessage } from "./results.js";
import type { CallSite } from "../internal/caller.js";
import { CompleteResult as COMPLETE_RESULT } from "../protocol/generated/validators.js";

/** The most values one answer carries (the spec's limit); `total` and `hasMore` tell the rest. */
export const MAX_COMPLETION_VALUES = 100;

/** completion/complete: an unknown prompt or template is -32602; a fixed resource or an argument with no completer has no values. */
export const complete: ServerMethod = async (params, { state }): Promise<CompleteResult> => {
  const p = params as unknown as CompleteRequestParams;
  let completer: Completer | undefined;
  let what: string;
  let site: CallSite;
  if (p.ref.type === "ref/prompt") {
    const entry = state.prompts.get(p.ref.name);
    if (!entry) throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: unknown prompt ${JSON.stringify(p.ref.name)}`);
    completer = entry.complete.get(p.argument.name);
    what = `the completer of prompt "${entry.name}" argument "${p.argument.name}"`;
    site = entry.site;
  } else {
    const entry = state.templates.get(p.ref.uri);
    if (!entry) {
      if (state.resources.has(p.ref.uri)) return { completion: { values: [] } };
      throw new ProtocolError(ErrorCode.InvalidParams, `invalid params: unknown resource template ${JSON.stringify(p.ref.uri)}`);
    }
    completer = entry.complete?.[p.argument.name];
    what = `the completer of resource template "${entry.definition.uriTemplate}" variable "${p.argument.name}"`;
    site = entry.site;
  }
  if (!completer) return { completion: { values: [] } };
  const all = await completer(p.argument.value, { arguments: p.context?.arguments });
  if (!Array.isArray(all))
    throw new ProtocolError(
      ErrorCode.InternalError,
      invalidResultMessage(
        state.options.onerror,
        what,
        `returned ${all === null ? "null" : typeof all}`,
        "return an array of strings",
        site,
      ),
    );
  const values = all.slice(0, MAX_COMPLETION_VALUES);
  return checkedResult(
    state.options.onerror,
    COMPLETE_RESULT,
    { completion: { values, total: all.length, hasMore: all.length > values.length } },
    what,
    site,
  );
};

/** Completion is always declared: any prompt argument or template variable may have a completer. */
export const completionsCapability: CapabilityContribution = (_state, caps) => {
  caps.completions ??= {};
};
