/**
 * The conformance client: `npm run everything-client -- URL`. It reads MCP_CONFORMANCE_SCENARIO (and
 * MCP_CONFORMANCE_CONTEXT) and drives that scenario against URL with McpClient. Exits non-zero on failure.
 */
import { McpClient } from "../../src/client/index.js";
import { StreamableHttpClientTransport } from "../../src/transports/http/client.js";

type Scenario = (url: string) => Promise<void>;

/** initialize, tools_call: list the tools and call the first one. */
const basic: Scenario = async (url) => {
  const client = new McpClient({ name: "trellis-conformance-client", version: "1.0.0" });
  await client.connect(new StreamableHttpClientTransport(url));
  const tools = await client.listAllTools();
  if (tools[0]) await client.callTool(tools[0].name, { a: 2, b: 3 });
  await client.close();
};

/** SEP-1034: accept with empty content; the client fills in the defaults. */
const elicitationDefaults: Scenario = async (url) => {
  const client = new McpClient({ name: "trellis-conformance-client", version: "1.0.0" }, { elicitForm: () => ({ action: "accept", content: {} }) });
  await client.connect(new StreamableHttpClientTransport(url));
  await client.listAllTools();
  await client.callTool("test_client_elicitation_defaults", {});
  await client.close();
};

/** SEP-1699: the server closes the tool call's stream; the client resumes after `retry`. */
const sseRetry: Scenario = async (url) => {
  const client = new McpClient({ name: "trellis-conformance-client", version: "1.0.0" });
  await client.connect(new StreamableHttpClientTransport(url));
  const tools = await client.listAllTools();
  const tool = tools.find((t) => t.name === "test_reconnection") ?? tools[0];
  if (tool) await client.callTool(tool.name, {});
  await client.close();
};

/** SEP-1613: echo the focal tool's inputSchema back unchanged. */
const schemaPreservation: Scenario = async (url) => {
  const client = new McpClient({ name: "trellis-conformance-client", version: "1.0.0" });
  await client.connect(new StreamableHttpClientTransport(url));
  const tools = await client.listAllTools();
  const focal = tools.find((t) => t.name === "json_schema_2020_12_tool");
  if (!focal) throw new Error("focal tool json_schema_2020_12_tool not listed");
  await client.callTool("json_schema_echo", { schema: focal.inputSchema });
  await client.close();
};

const scenarios: Record<string, Scenario> = {
  initialize: basic,
  tools_call: basic,
  "elicitation-sep1034-client-defaults": elicitationDefaults,
  "elicitation-defaults": elicitationDefaults,
  "sse-retry": sseRetry,
  "json-schema-2020-12-preservation": schemaPreservation,
};

async function main(): Promise<void> {
  const url = process.argv[process.argv.length - 1];
  const name = process.env.MCP_CONFORMANCE_SCENARIO ?? "";
  const run = scenarios[name];
  if (!url || !/^https?:/.test(url)) throw new Error("usage: everything-client URL (with MCP_CONFORMANCE_SCENARIO set)");
  if (!run) throw new Error(`scenario ${JSON.stringify(name)} is not supported by this client`);
  await run(url);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
