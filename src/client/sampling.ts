/**
 * Sampling with tools (SEP-1577): the message rules a client checks before it hands a request to its model.
 * A user message with tool results holds only tool results, and every tool use of an assistant message is
 * answered, by id, in the user message that follows (sampling.mdx, "Tool Use").
 */
import type { CreateMessageRequestParams } from "../protocol/generated/schema-types.js";

type Block = { type: string; id?: string; toolUseId?: string };

function blocks(content: unknown): Block[] {
  return (Array.isArray(content) ? content : [content]) as Block[];
}

/** checkToolMessages returns a message naming the first broken rule, or undefined. */
export function checkToolMessages(params: CreateMessageRequestParams): string | undefined {
  const msgs = params.messages;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    const bs = blocks(m.content);
    const results = bs.filter((b) => b.type === "tool_result");
    if (results.length && results.length !== bs.length)
      return `messages[${i}]: a message with tool_result content must contain only tool_result blocks`;
    if (results.length && m.role !== "user") return `messages[${i}]: tool_result blocks belong in a user message`;
    const uses = bs.filter((b) => b.type === "tool_use");
    if (uses.length && m.role !== "assistant") return `messages[${i}]: tool_use blocks belong in an assistant message`;
    if (uses.length && i + 1 < msgs.length) {
      const next = blocks(msgs[i + 1]!.content);
      const answered = new Set(next.filter((b) => b.type === "tool_result").map((b) => b.toolUseId));
      for (const u of uses)
        if (!answered.has(u.id)) return `messages[${i + 1}]: tool_use "${u.id}" in messages[${i}] has no matching tool_result`;
      if (next.some((b) => b.type !== "tool_result"))
        return `messages[${i + 1}]: the message after tool_use must contain only tool_result blocks`;
    }
    if (results.length) {
      const prev = i > 0 ? blocks(msgs[i - 1]!.content) : [];
      const ids = new Set(prev.filter((b) => b.type === "tool_use").map((b) => b.id));
      for (const r of results)
        if (!ids.has(r.toolUseId)) return `messages[${i}]: tool_result for "${r.toolUseId}" answers no tool_use in the previous message`;
    }
  }
  return undefined;
}
