import { test } from "node:test";
import assert from "node:assert/strict";
import { downgradeResult, negotiateVersion } from "../../src/protocol/versions.js";

test("negotiateVersion answers supported revisions in kind and unknown ones with the latest", () => {
  const cases = [
    { asked: "2025-11-25", want: "2025-11-25" },
    { asked: "2025-06-18", want: "2025-06-18" },
    { asked: "2025-03-26", want: "2025-03-26" },
    { asked: "2024-11-05", want: "2025-11-25" },
    { asked: "garbage", want: "2025-11-25" },
    { asked: undefined, want: "2025-11-25" },
  ];
  for (const c of cases) assert.equal(negotiateVersion(c.asked), c.want, String(c.asked));
});

test("downgradeResult strips fields older revisions lack", () => {
  const tools = {
    tools: [
      {
        name: "a",
        title: "A",
        inputSchema: { type: "object" },
        outputSchema: { type: "object" },
        icons: [{ src: "https://x/i.png" }],
        execution: { taskSupport: "optional" },
      },
    ],
  };
  assert.equal(downgradeResult("tools/list", tools, "2025-11-25"), tools);
  assert.deepEqual(downgradeResult("tools/list", tools, "2025-06-18"), {
    tools: [{ name: "a", title: "A", inputSchema: { type: "object" }, outputSchema: { type: "object" } }],
  });
  assert.deepEqual(downgradeResult("tools/list", tools, "2025-03-26"), { tools: [{ name: "a", inputSchema: { type: "object" } }] });
  const call = { content: [{ type: "resource_link", uri: "file:///a", name: "a" }], structuredContent: { x: 1 } };
  assert.deepEqual(downgradeResult("tools/call", call, "2025-03-26"), { content: [{ type: "text", text: "Resource: file:///a (a)" }] });
  const init = {
    protocolVersion: "2025-06-18",
    capabilities: { tools: {}, tasks: {} },
    serverInfo: { name: "s", version: "1", icons: [], title: "S" },
  };
  assert.deepEqual(downgradeResult("initialize", init, "2025-06-18"), {
    protocolVersion: "2025-06-18",
    capabilities: { tools: {} },
    serverInfo: { name: "s", version: "1", title: "S" },
  });
});
