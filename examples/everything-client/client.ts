/**
 * The conformance client: `npm run everything-client -- URL`. It reads MCP_CONFORMANCE_SCENARIO (and
 * MCP_CONFORMANCE_CONTEXT) and drives that scenario against URL with McpClient. Exits non-zero on failure.
 */
import { McpClient, StreamableHttpClientTransport } from "trellis-mcp/client";
import {
  OAuthClient,
  authorizationCodeFlow,
  clientCredentialsFlow,
  enterpriseFlow,
  jwtBearerFlow,
  type PreRegisteredClient,
} from "trellis-mcp/auth";

import { skillsClient } from "trellis-mcp/skills";

type Scenario = (url: string) => Promise<void>;

/**
 * The client every scenario uses: at the revision the suite asks for (MCP_CONFORMANCE_PROTOCOL_VERSION), so the
 * 2026-07-28 run speaks it (server/discover, no session) and the 2025-11-25 run initializes as before (pinned:
 * the client's default, "auto", would ask server/discover first, which those scenarios do not expect).
 */
function makeClient(options: ConstructorParameters<typeof McpClient>[1] = {}): McpClient {
  const version = process.env.MCP_CONFORMANCE_PROTOCOL_VERSION;
  return new McpClient(
    { name: "trellis-conformance-client", version: "1.0.0" },
    { protocolVersion: version === "2026-07-28" ? version : "2025-11-25", ...options },
  );
}

/** An answer for any form: each field gets a value of its type (the scenarios only check that one came back). */
function answerForm(schema: { properties: Record<string, { type?: string }> }): Record<string, string | number | boolean> {
  const value = (t?: string) => (t === "boolean" ? true : t === "number" || t === "integer" ? 1 : "conformance");
  return Object.fromEntries(Object.entries(schema.properties).map(([k, p]) => [k, value(p.type)]));
}

/** initialize, tools_call: list the tools and call the first one. */
const basic: Scenario = async (url) => {
  const client = makeClient();
  await client.connect(new StreamableHttpClientTransport(url));
  const tools = await client.listAllTools();
  if (tools[0]) await client.callTool(tools[0].name, { a: 2, b: 3 });
  await client.close();
};

/** SEP-1034: accept with empty content; the client fills in the defaults. */
const elicitationDefaults: Scenario = async (url) => {
  const client = makeClient({ elicitForm: () => ({ action: "accept", content: {} }) });
  await client.connect(new StreamableHttpClientTransport(url));
  await client.listAllTools();
  await client.callTool("test_client_elicitation_defaults", {});
  await client.close();
};

/** SEP-1699: the server closes the tool call's stream; the client resumes after `retry`. */
const sseRetry: Scenario = async (url) => {
  const client = makeClient();
  await client.connect(new StreamableHttpClientTransport(url));
  const tools = await client.listAllTools();
  const tool = tools.find((t) => t.name === "test_reconnection") ?? tools[0];
  if (tool) await client.callTool(tool.name, {});
  await client.close();
};

/** SEP-1613: echo the focal tool's inputSchema back unchanged. */
const schemaPreservation: Scenario = async (url) => {
  const client = makeClient();
  await client.connect(new StreamableHttpClientTransport(url));
  const tools = await client.listAllTools();
  const focal = tools.find((t) => t.name === "json_schema_2020_12_tool");
  if (!focal) throw new Error("focal tool json_schema_2020_12_tool not listed");
  await client.callTool("json_schema_echo", { schema: focal.inputSchema });
  await client.close();
};

/** SEP-2640: list the skills and read none of their files (nothing is fetched ahead of need). */
const skillsNoPrefetch: Scenario = async (url) => {
  const client = makeClient();
  const skills = client.use(skillsClient());
  await client.connect(new StreamableHttpClientTransport(url));
  const listed = await skills.list();
  process.stderr.write(`listed ${listed.length} skill(s), loaded none\n`);
  await client.close();
};

/**
 * SEP-2640: load the first skill and, if it verifies, read its supporting files. A server that tampered with
 * SKILL.md (digest, size or frontmatter) is caught by load(), and nothing more of the skill is read.
 */
const skillsLoad: Scenario = async (url) => {
  const client = makeClient();
  const skills = client.use(skillsClient());
  await client.connect(new StreamableHttpClientTransport(url));
  try {
    const [entry] = await skills.list();
    if (!entry) throw new Error("the server lists no skills");
    const skill = await skills.load(entry);
    if (entry.resources !== "dynamic") for (const r of entry.resources) if (r.uri !== entry.uri) await skill.readFile(r.uri);
  } finally {
    await client.close();
  }
};

/** 2026-07-28 request metadata (and a -32022 answered by asking again): connect, list the tools. */
const requestMetadata: Scenario = async (url) => {
  const client = makeClient({ roots: [], elicitForm: (p) => ({ action: "accept", content: answerForm(p.requestedSchema) }) });
  await client.connect(new StreamableHttpClientTransport(url));
  await client.listTools();
  await client.close();
};

/** SEP-2322: call every tool; input_required rounds are answered by the elicitation handler. */
const requestState: Scenario = async (url) => {
  const client = makeClient({ elicitForm: (p) => ({ action: "accept", content: answerForm(p.requestedSchema) }) });
  await client.connect(new StreamableHttpClientTransport(url));
  for (const t of await client.listAllTools()) await client.callTool(t.name, {});
  await client.close();
};

/** The standard headers: every kind of request that names something. */
const standardHeaders: Scenario = async (url) => {
  const client = makeClient();
  await client.connect(new StreamableHttpClientTransport(url));
  for (const t of await client.listAllTools()) await client.callTool(t.name, {}).catch(() => {});
  for (const r of await client.listAllResources().catch(() => [])) await client.readResource(r.uri).catch(() => {});
  for (const p of await client.listAllPrompts().catch(() => [])) await client.getPrompt(p.name).catch(() => {});
  await client.close();
};

/** x-mcp-header: the calls the scenario names, after listing the tools (their marks decide the headers). */
const customHeaders: Scenario = async (url) => {
  const calls =
    (JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? "{}") as { toolCalls?: { name: string; arguments?: Record<string, unknown> }[] })
      .toolCalls ?? [];
  const client = makeClient();
  await client.connect(new StreamableHttpClientTransport(url));
  await client.listAllTools();
  for (const c of calls) await client.callTool(c.name, c.arguments ?? {});
  await client.close();
};

/** Invalid x-mcp-header marks: the client lists the tools (the invalid ones are left out) and calls the rest. */
const invalidToolHeaders: Scenario = async (url) => {
  const client = makeClient();
  await client.connect(new StreamableHttpClientTransport(url));
  for (const t of await client.listAllTools()) await client.callTool(t.name, t.name === "valid_tool" ? { region: "us-west1" } : {});
  await client.close();
};

/** SEP-2106: list the tools; a $ref to the network is never fetched. */
const noDeref: Scenario = async (url) => {
  const client = makeClient();
  await client.connect(new StreamableHttpClientTransport(url));
  await client.listAllTools();
  await client.close();
};

/** The scenario's credentials, from MCP_CONFORMANCE_CONTEXT. */
function context(): Record<string, string> {
  const raw = process.env.MCP_CONFORMANCE_CONTEXT;
  if (!raw) throw new Error("MCP_CONFORMANCE_CONTEXT is not set");
  return JSON.parse(raw) as Record<string, string>;
}

/**
 * The redirect step of a test: the conformance authorization server approves at once and redirects, so
 * "the browser" is one fetch that reads the Location header.
 */
async function followRedirect(url: URL): Promise<string> {
  const res = await fetch(url, { redirect: "manual" });
  await res.body?.cancel();
  const location = res.headers.get("location");
  if (!location) throw new Error(`the authorization endpoint answered ${res.status} without a redirect`);
  return location;
}

/** Connects with `auth`, lists the tools and calls test-tool (if listed). */
async function authorizedSession(url: string, auth: OAuthClient): Promise<void> {
  const client = makeClient();
  await client.connect(new StreamableHttpClientTransport(url, { auth }));
  const tools = await client.listAllTools();
  if (tools.some((t) => t.name === "test-tool")) await client.callTool("test-tool", {});
  await client.close();
}

/** The conformance suite's CIMD URL: it stands for a document this client would host. */
const CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json";

function userFlow(client?: PreRegisteredClient) {
  return authorizationCodeFlow({
    redirectUri: "http://localhost:3000/callback",
    authorize: followRedirect,
    clientMetadataUrl: CLIENT_METADATA_URL,
    clientMetadata: { client_name: "trellis-conformance-client" },
    ...(client ? { client } : {}),
  });
}

/** Authorization code + PKCE with discovery, CIMD or DCR, scope selection and step-up. */
const authCode: Scenario = (url) => authorizedSession(url, new OAuthClient({ flow: userFlow() }));

const preRegistered: Scenario = (url) => {
  const c = context();
  return authorizedSession(url, new OAuthClient({ flow: userFlow({ clientId: c.client_id!, clientSecret: c.client_secret! }) }));
};

const clientCredentialsJwt: Scenario = (url) => {
  const c = context();
  return authorizedSession(
    url,
    new OAuthClient({
      flow: clientCredentialsFlow({
        clientId: c.client_id!,
        clientKey: { key: c.private_key_pem!, algorithm: c.signing_algorithm ?? "ES256" },
      }),
    }),
  );
};

const clientCredentialsBasic: Scenario = (url) => {
  const c = context();
  return authorizedSession(
    url,
    new OAuthClient({ flow: clientCredentialsFlow({ clientId: c.client_id!, clientSecret: c.client_secret! }) }),
  );
};

const enterprise: Scenario = (url) => {
  const c = context();
  const flow = enterpriseFlow({
    clientId: c.client_id!,
    clientSecret: c.client_secret!,
    idp: { tokenEndpoint: c.idp_token_endpoint!, issuer: c.idp_issuer!, clientId: c.idp_client_id!, idToken: c.idp_id_token! },
  });
  return authorizedSession(url, new OAuthClient({ flow }));
};

/** Workload identity: the platform's JWT is the grant (RFC 7523). */
const workloadIdentity: Scenario = (url) => {
  const c = context();
  return authorizedSession(url, new OAuthClient({ flow: jwtBearerFlow({ clientId: c.client_id!, assertion: c.valid_jwt! }) }));
};

const authCodeScenarios = [
  "auth/metadata-default",
  "auth/metadata-var1",
  "auth/metadata-var2",
  "auth/metadata-var3",
  "auth/basic-cimd",
  "auth/basic-dcr",
  "auth/scope-from-www-authenticate",
  "auth/scope-from-scopes-supported",
  "auth/scope-omitted-when-undefined",
  "auth/scope-step-up",
  "auth/scope-retry-limit",
  "auth/token-endpoint-auth-basic",
  "auth/token-endpoint-auth-post",
  "auth/token-endpoint-auth-none",
  "auth/2025-03-26-oauth-metadata-backcompat",
  "auth/2025-03-26-oauth-endpoint-fallback",
  "auth/resource-mismatch",
  "auth/offline-access-scope",
  "auth/offline-access-not-supported",
  "auth/iss-supported",
  "auth/iss-not-advertised",
  "auth/iss-supported-missing",
  "auth/iss-wrong-issuer",
  "auth/iss-unexpected",
  "auth/iss-normalized",
  "auth/metadata-issuer-mismatch",
  "auth/authorization-server-migration",
  "auth/dpop",
  "auth/dpop-nonce",
];

const scenarios: Record<string, Scenario> = {
  ...Object.fromEntries(authCodeScenarios.map((n) => [n, authCode])),
  "auth/pre-registration": preRegistered,
  "auth/client-credentials-jwt": clientCredentialsJwt,
  "auth/client-credentials-basic": clientCredentialsBasic,
  "auth/enterprise-managed-authorization": enterprise,
  "auth/wif-jwt-bearer": workloadIdentity,
  initialize: basic,
  tools_call: basic,
  "request-metadata": requestMetadata,
  "sep-2322-client-request-state": requestState,
  "http-standard-headers": standardHeaders,
  "http-custom-headers": customHeaders,
  "http-invalid-tool-headers": invalidToolHeaders,
  "json-schema-ref-no-deref": noDeref,
  "elicitation-sep1034-client-defaults": elicitationDefaults,
  "elicitation-defaults": elicitationDefaults,
  "sse-retry": sseRetry,
  "json-schema-2020-12-preservation": schemaPreservation,
  "sep-2640-client-no-prefetch": skillsNoPrefetch,
  "sep-2640-client-verify-digest": skillsLoad,
  "sep-2640-client-verify-size": skillsLoad,
  "sep-2640-client-verify-frontmatter": skillsLoad,
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
