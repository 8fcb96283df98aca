/**
 * The public surface, pinned: each entry point exports exactly the names listed here (a change to the API is a
 * change to this file), the bundles export what the sources do, the runtime-neutral entries pull in no Node
 * built-ins, and no public declaration mentions a dependency's types.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

/** Every name each entry point exports, types included. "." also exports every type of the generated schema. */
const PUBLIC: Record<string, string[]> = {
  ".": [
    "AuthInfo",
    "CallOptions",
    "ClientOptions",
    "HandlerContext",
    "McpClient",
    "McpServer",
    "PromptConfig",
    "ResourceConfig",
    "ServerOptions",
    "StreamableHttpClientOptions",
    "StreamableHttpClientTransport",
    "ToolConfig",
    "ToolHandler",
    "ToolResult",
    "textResult",
    "ClientRequests",
    "ErrorCode",
    "JsonRpcMessage",
    "LATEST_PROTOCOL_VERSION",
    "MemoryTransport",
    "MessageExtra",
    "ProtocolError",
    "ProtocolVersion",
    "RELATED_TASK",
    "SUPPORTED_PROTOCOL_VERSIONS",
    "SendOptions",
    "ServerRequests",
    "TERMINAL_STATUSES",
    "Transport",
    "TransportEvents",
    "TrellisError",
    "TrellisErrorCode",
    "isSupportedVersion",
    "negotiateVersion",
    "principalKey",
  ],
  "./server": [
    "Completer",
    "ConnectOptions",
    "DEFAULT_ELICIT_TIMEOUT_MS",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_SAMPLE_TIMEOUT_MS",
    "EXTENSION_ID",
    "ElicitFormOptions",
    "ElicitUrlOptions",
    "ErrorCode",
    "ExtensionMethod",
    "ExtensionNotification",
    "ExtensionRegistrar",
    "ExtensionSettings",
    "ExtensionsCapability",
    "HandlerContext",
    "LOG_LEVELS",
    "McpServer",
    "MemoryTaskStore",
    "PromptArgumentConfig",
    "PromptConfig",
    "PromptHandler",
    "PromptResult",
    "ProtocolError",
    "RELATED_TASK",
    "RegisteredPrompt",
    "RegisteredResource",
    "RegisteredTool",
    "RequestRecord",
    "ResourceConfig",
    "ResourceHandler",
    "ResourceReadResult",
    "ResourceTemplateConfig",
    "ResourceTemplateHandler",
    "SchemaInput",
    "ServerExtension",
    "ServerNotice",
    "ServerOptions",
    "ServerSession",
    "StandardSchemaV1",
    "TERMINAL_STATUSES",
    "TOOL_NAME",
    "TaskOptions",
    "TaskPage",
    "TaskRecord",
    "TaskStatus",
    "TaskStore",
    "ToolCall",
    "ToolCallHook",
    "ToolConfig",
    "ToolHandler",
    "ToolListHook",
    "ToolResult",
    "TrellisError",
    "UriTemplate",
    "defineExtension",
    "textResult",
  ],
  "./stdio": ["StdioOptions", "StdioServerTransport"],
  "./http": [
    "AppendOptions",
    "BodyTooLargeError",
    "Cluster",
    "ClusterEvent",
    "ClusterMessage",
    "EventStore",
    "HttpAuthenticator",
    "HttpReply",
    "HttpRequestLike",
    "HttpServerHandle",
    "MemoryCluster",
    "MemoryClusterHub",
    "MemoryEventStore",
    "MemorySessionStore",
    "ResponseMode",
    "ScopeLookup",
    "ServeHttpOptions",
    "SessionRecord",
    "SessionStore",
    "SharedStream",
    "SseChannel",
    "SseWriter",
    "StoredEvent",
    "StreamableHttpHandler",
    "StreamableHttpOptions",
    "serveHttp",
    "toNodeRequest",
    "writeNodeReply",
  ],
  "./memory": ["MemoryTransport"],
  "./stores/sqlite": [
    "DEFAULT_DATABASE",
    "SqliteDriver",
    "SqliteEventStore",
    "SqliteEventStoreOptions",
    "SqliteSessionStore",
    "SqliteSessionStoreOptions",
    "SqliteTaskStore",
    "SqliteTaskStoreOptions",
  ],
  "./client": [
    "AuthRequest",
    "AuthorizationFailedError",
    "CallOptions",
    "ClientExtension",
    "ClientExtensionRegistrar",
    "ClientHandlerContext",
    "ClientOptions",
    "ClientRequests",
    "EXTENSION_ID",
    "ErrorCode",
    "ExtensionSettings",
    "ExtensionsCapability",
    "FormElicitationHandler",
    "HttpClientAuth",
    "McpClient",
    "ProtocolError",
    "ReconnectOptions",
    "SamplingHandler",
    "ServerRequests",
    "StreamableHttpClientOptions",
    "StreamableHttpClientTransport",
    "TaskHandle",
    "TrellisError",
    "UrlElicitation",
    "UrlElicitationHandler",
    "UrlElicitationRequiredError",
    "defineClientExtension",
  ],
  "./stdio-client": ["StdioClientTransport", "StdioOptions", "StdioServerParameters", "defaultEnvironment"],
  "./auth": [
    "AddressKind",
    "AuthInfo",
    "AuthRequest",
    "AuthorizationCodeFlowOptions",
    "AuthorizationFailedError",
    "AuthorizationServerMetadata",
    "BearerAuthOptions",
    "BearerChallenge",
    "ClientCredentialsFlowOptions",
    "ClientKey",
    "ClientMetadataDocument",
    "CredentialStore",
    "DiscoveryError",
    "DiscoveryOptions",
    "DpopOptions",
    "EnterpriseFlowOptions",
    "HttpClientAuth",
    "IntrospectionTokenVerifier",
    "IntrospectionTokenVerifierOptions",
    "InvalidTokenError",
    "Jwk",
    "JwkSet",
    "JwtBearerFlowOptions",
    "JwtTokenVerifier",
    "JwtTokenVerifierOptions",
    "MemoryCredentialStore",
    "OAuthClient",
    "OAuthClientOptions",
    "OAuthFlow",
    "PeerHttp",
    "PeerHttpOptions",
    "PreRegisteredClient",
    "ProtectedResourceMetadata",
    "ResourceMetadata",
    "StoredClient",
    "StoredTokens",
    "TokenVerifier",
    "addressKind",
    "authorizationCodeFlow",
    "bearerAuth",
    "clientCredentialsFlow",
    "clientMetadataDocument",
    "discoverAuthorizationServer",
    "discoverProtectedResource",
    "enterpriseFlow",
    "jwtBearerFlow",
    "parseWwwAuthenticate",
    "serveClientMetadata",
  ],
  "./auth/node": ["FileCredentialStore", "LoopbackRedirect", "LoopbackRedirectOptions", "loopbackRedirect"],
  "./skills": [
    "LoadedSkill",
    "MAX_SKILL_BYTES",
    "MAX_SKILL_FILES",
    "SKILLS_EXTENSION",
    "SKILL_NAME",
    "SkillEntry",
    "SkillFiles",
    "SkillFrontmatter",
    "SkillResource",
    "SkillSource",
    "SkillsClientApi",
    "SkillsClientOptions",
    "SkillsServerApi",
    "SkillsServerOptions",
    "digestOf",
    "parseSkillMd",
    "skillsClient",
    "skillsServer",
  ],
  "./skills/node": ["readSkillsDirectory"],
  "./dashboard": ["Dashboard", "DashboardHandle", "DashboardOptions", "DashboardTarget", "ServeDashboardOptions", "serveDashboard"],
  "./stores/redis": [
    "RedisAuditSink",
    "RedisAuthStore",
    "RedisCluster",
    "RedisClusterOptions",
    "RedisConnection",
    "RedisEventStore",
    "RedisSessionStore",
    "RedisStoreOptions",
    "RedisTaskStore",
  ],
  "./bundles": [
    "BundleManifest",
    "CLIENT_NAMES",
    "ClientName",
    "ConsentStore",
    "InitOptions",
    "InstallIo",
    "InstallOptions",
    "InstallResult",
    "InstallSource",
    "Launch",
    "ServerEntry",
    "addServer",
    "checkUserConfig",
    "cleanBundle",
    "commandLine",
    "configPath",
    "consentHash",
    "describeLaunch",
    "initManifest",
    "install",
    "launchOfManifest",
    "readServer",
    "removeServer",
    "shellQuote",
    "substitute",
    "trellisHome",
    "uninstall",
    "withConsent",
    "wrap",
    "DEFAULT_IGNORES",
    "LATEST_MANIFEST_VERSION",
    "MANIFEST_VERSIONS",
    "ManifestProblem",
    "ReadBundle",
    "SignOptions",
    "SignatureReport",
    "SignatureStatus",
    "SplitBundle",
    "UserConfigOption",
    "VerifyOptions",
    "ZipEntry",
    "ZipLimits",
    "checkEntryName",
    "checkManifest",
    "formatProblems",
    "joinSignature",
    "manifestVersion",
    "packBundle",
    "readBundle",
    "readZip",
    "signBundle",
    "splitSignature",
    "unpackBundle",
    "unsignBundle",
    "verifyBundle",
    "visible",
    "writeZip",
  ],
  "./auth-server": [
    "AuditEvent",
    "AuditQuery",
    "AuditRequestsOptions",
    "AuditSink",
    "AuthRecordKind",
    "AuthServerOptions",
    "AuthStore",
    "AuthUser",
    "AuthorizationServer",
    "CimdOptions",
    "ConfiguredClient",
    "LocalUser",
    "MemoryAuditSink",
    "MemoryAuthStore",
    "OidcFederationOptions",
    "ProtectedResourceConfig",
    "SqliteAuditSink",
    "SqliteAuthStore",
    "TrustedIdp",
    "UpstreamIdp",
    "UserAuthenticator",
    "UserGrant",
    "auditRequests",
    "hashPassword",
    "localUsers",
    "oidcFederation",
    "redirectAllowed",
    "toJsonLines",
    "verifyPasswordHash",
  ],
  "./apps": [
    "APPS_EXTENSION",
    "APPS_PROTOCOL_VERSION",
    "APP_MIME_TYPE",
    "AppHost",
    "AppHostOptions",
    "AppRelay",
    "AppRelayOptions",
    "AppToolConfig",
    "AppsServerApi",
    "CspGrant",
    "DEFAULT_VIEW_CSP",
    "DisplayMode",
    "MAX_VIEW_STATE_BYTES",
    "MemoryViewStateStore",
    "OpenViewOptions",
    "UiCsp",
    "UiPermissions",
    "UiResourceMeta",
    "UiToolMeta",
    "VIEW_STATE_CAPABILITY",
    "VIEW_STATE_GET",
    "VIEW_STATE_SET",
    "ViewAudit",
    "ViewConfig",
    "ViewDescription",
    "ViewHooks",
    "ViewSession",
    "ViewStateStore",
    "Visibility",
    "allowAttribute",
    "appsClient",
    "appsServer",
    "buildCsp",
    "checkDomain",
    "describeView",
    "htmlProblem",
    "sandboxProxyHtml",
    "sandboxResponse",
    "viewUriOf",
    "visibilityOf",
  ],
  "./apps/node": ["AppHostServer", "AppRelay", "ServeAppHostOptions", "serveAppHost"],
  "./apps/browser": ["LocalView", "MountOptions", "MountedView", "ViewConnection", "localConnection", "mountView", "relayConnection"],
};

const entries = Object.entries<{ types: string; import: string }>(pkg.exports);

/** The names an entry's declaration file exports: `export { a, type B } from "..."` lines only (no `export *`). */
function declaredExports(dts: string): { names: string[]; star: boolean } {
  const names: string[] = [];
  for (const m of dts.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
    for (const n of m[1]!.split(",")) {
      const name = n
        .trim()
        .replace(/^type /, "")
        .split(/ as /)
        .pop()!
        .trim();
      if (name) names.push(name);
    }
  }
  return { names, star: /export (?:type )?\*/.test(dts) };
}

test("each entry point exports exactly its pinned list, by name (no export *)", () => {
  const schema = [
    ...readFileSync(join(root, "src/protocol/generated/schema-types.ts"), "utf8").matchAll(/^export (?:interface|type) (\w+)/gm),
  ].map((m) => m[1]!);
  assert.deepEqual(entries.map(([sub]) => sub).sort(), Object.keys(PUBLIC).sort(), "every entry point is pinned");
  for (const [sub, target] of entries) {
    const { names, star } = declaredExports(readFileSync(join(root, target.types), "utf8"));
    assert.equal(star, false, `${sub} uses export *`);
    const want = [...PUBLIC[sub]!, ...(sub === "." ? schema : [])].sort();
    assert.deepEqual([...names].sort(), want, sub);
  }
});

test("every subpath export loads, and the bundle exports what the source does", async () => {
  for (const [sub, target] of entries) {
    const mod = await import(join(root, target.import));
    assert.ok(Object.keys(mod).length > 0, sub);
    const src = await import(join(root, target.types.replace(/\.d\.ts$/, ".js")));
    assert.deepEqual(Object.keys(mod).sort(), Object.keys(src).sort(), `${sub}: the bundle exports what the source does`);
  }
});

/** Follows relative imports from `entry` and returns every bare or node: specifier reached. */
function externalImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const found = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
      const spec = (m[1] ?? m[2])!;
      const dts = file.endsWith(".d.ts");
      if (spec.startsWith(".")) stack.push(resolve(dirname(file), dts ? spec.replace(/\.js$/, ".d.ts") : spec));
      else if (!m[0].includes("import(")) found.add(spec);
    }
  }
  return found;
}

test("'.', './server', './client' and './auth' need no Node built-ins and no native modules", () => {
  const neutral = [".", "./server", "./client", "./auth", "./skills", "./apps", "./apps/browser"].map((k) => pkg.exports[k]);
  for (const entry of neutral.flatMap((e) => [e.import, e.types.replace(/\.d\.ts$/, ".js")])) {
    const ext = [...externalImports(join(root, entry))];
    assert.deepEqual(
      ext.filter((s) => s.startsWith("node:") || s === "better-sqlite3"),
      [],
      entry,
    );
  }
});

test("no public declaration mentions a dependency's types (jose, oauth4webapi, ajv)", () => {
  const deps = Object.keys(pkg.dependencies);
  for (const [sub, target] of entries) {
    const reached = [...externalImports(join(root, target.types))].filter((s) => deps.some((d) => s === d || s.startsWith(`${d}/`)));
    assert.deepEqual(reached, [], `${sub} declarations import ${reached.join(", ")}`);
  }
});

test("the examples import trellis-mcp as a user's code does (never ../../src), and tsconfig maps each entry to its source", () => {
  const tsconfig = JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8"));
  const want = Object.fromEntries(
    Object.entries(pkg.exports as Record<string, { types: string }>).map(([k, v]) => [
      k === "." ? "trellis-mcp" : `trellis-mcp/${k.slice(2)}`,
      [`./${v.types.replace(/^\.\/dist\//, "").replace(/\.d\.ts$/, ".ts")}`],
    ]),
  );
  assert.deepEqual(tsconfig.compilerOptions.paths, want, "tsconfig.json's paths: one per export, to the file its types are built from");
  const wrong: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir))) {
      const p = join(dir, name);
      if (statSync(join(root, p)).isDirectory()) walk(p);
      else if (p.endsWith(".ts"))
        for (const m of readFileSync(join(root, p), "utf8").matchAll(/from\s+["']([^"']+)["']/g))
          if (/(^|\/)src\//.test(m[1]!)) wrong.push(`${p}: ${m[1]}`);
    }
  };
  walk("examples");
  assert.deepEqual(wrong, [], "examples importing the sources: a copied example would break");
});
