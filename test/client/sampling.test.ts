/** SEP-1577's message rules for sampling with tools, each broken once. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkToolMessages } from "../../src/client/sampling.js";

const use = (id: string) => ({ type: "tool_use", id, name: "t", input: {} });
const result = (id: string) => ({ type: "tool_result", toolUseId: id, content: [] });
const text = { type: "text", text: "hi" };

test("checkToolMessages: a good exchange passes; each rule broken is named", () => {
  const ok = [
    { role: "user", content: text },
    { role: "assistant", content: [use("1"), use("2")] },
    { role: "user", content: [result("1"), result("2")] },
  ];
  assert.equal(checkToolMessages({ messages: ok, maxTokens: 10 } as never), undefined);
  const cases: [unknown[], RegExp][] = [
    [[{ role: "user", content: [result("1"), text] }], /must contain only tool_result blocks/],
    [
      [
        { role: "assistant", content: [use("1")] },
        { role: "assistant", content: [result("1")] },
      ],
      /tool_result blocks belong in a user message/,
    ],
    [[{ role: "user", content: [use("1")] }], /tool_use blocks belong in an assistant message/],
    [
      [
        { role: "assistant", content: [use("1"), use("2")] },
        { role: "user", content: [result("1")] },
      ],
      /tool_use "2" in messages\[0\] has no matching tool_result/,
    ],
    [[{ role: "user", content: [result("9")] }], /tool_result for "9" answers no tool_use/],
  ];
  for (const [messages, why] of cases) assert.match(checkToolMessages({ messages, maxTokens: 10 } as never) ?? "", why);
});
