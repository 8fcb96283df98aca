// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the manifest substitutions are literally ${...}
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkUserConfig,
  commandLine,
  consentHash,
  describeLaunch,
  launchOfManifest,
  withConsent,
  wrap,
  type Launch,
} from "../../src/bundles/index.js";

const launch: Launch = {
  name: "s",
  command: "node",
  args: ["/opt/s/index.js"],
  env: { API_KEY: "sk-secret", MODE: "fast" },
  sensitiveEnv: ["API_KEY"],
  origin: { kind: "bundle", detail: "s.mcpb", version: "1.0.0" },
};

test("consent is recorded against the exact command, arguments and environment names: a changed one asks again", async () => {
  const approved = new Set<string>();
  const store = { has: (h: string) => approved.has(h), record: (h: string) => void approved.add(h) };
  const asked: string[] = [];
  const ask = async (l: Launch) => (asked.push([l.command, ...l.args].join(" ")), true);
  assert.equal(await withConsent(launch, store, ask, () => "started"), "started");
  assert.equal(await withConsent({ ...launch, env: { ...launch.env, API_KEY: "another value" } }, store, ask, () => "again"), "again");
  assert.equal(asked.length, 1, "values are not part of the hash, names are");
  await withConsent({ ...launch, args: ["/opt/s/index.js", "--evil"] }, store, ask, () => 0);
  await withConsent({ ...launch, env: { ...launch.env, NODE_OPTIONS: "--require x" } }, store, ask, () => 0);
  assert.equal(asked.length, 3);
  await assert.rejects(
    withConsent(
      { ...launch, command: "bash" },
      store,
      async () => false,
      () => 0,
    ),
    /not approved/,
  );
  assert.notEqual(consentHash(launch), consentHash({ ...launch, command: "nodejs" }));
});

test("the consent screen: every argument, wrapped not cut; secret values hidden; the warning", () => {
  const long = { ...launch, args: [`/very/${"long/".repeat(30)}index.js`, "--name=a b"] };
  const text = describeLaunch(long, 60);
  assert.ok(text.split("\n").every((l) => l.length <= 60));
  assert.equal(
    text.slice(text.indexOf("exactly:") + 8, text.indexOf("with these")).replace(/\s+/g, ""),
    `node/very/${"long/".repeat(30)}index.js'--name=ab'`,
  );
  assert.match(text, /API_KEY=\*\*\*\*\*\*\*\* \(hidden\)/);
  assert.ok(!text.includes("sk-secret"));
  assert.match(text, /MODE=fast/);
  assert.match(text.replace(/\s+/g, " "), /WARNING: a local MCP server runs with your privileges/);
  assert.deepEqual(wrap("a bb ccc", 10), ["a bb ccc"]);
  assert.deepEqual(wrap("x".repeat(25), 10), ["xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"]);
});

test("escape sequences a bundle names are shown, not obeyed: nothing can hide part of the command", () => {
  const evil = {
    ...launch,
    name: "s\u001b[2J",
    args: ["/opt/s/index.js\u001b[8m--secret-flag\u001b[0m", "\u202eevil"],
    env: { "X\u001b[1A": "v\r\u0007" },
    sensitiveEnv: [],
  };
  const text = describeLaunch(evil, 200);
  const controls = [...text].filter((ch) => ch !== "\n" && (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || ch === "\u202e"));
  assert.deepEqual(controls, [], "no control characters reach the terminal");
  assert.match(text, /\\u\{1b\}\[8m--secret-flag/);
  assert.match(text, /\\u\{202e\}evil/);
});

test("a sensitive option left at the bundle's default is shown in clear and labelled; only what the person entered is masked", () => {
  const manifest = {
    name: "m",
    version: "1",
    description: "d",
    author: { name: "a" },
    server: {
      type: "node" as const,
      entry_point: "i.js",
      mcp_config: {
        command: "node",
        args: ["${user_config.flags}", "${__dirname}/i.js"],
        env: { TOKEN: "${user_config.token}", FLAGS: "${user_config.flags}" },
      },
    },
    user_config: {
      flags: { type: "string" as const, title: "Flags", description: "d", sensitive: true, default: "--eval=require('x')" },
      token: { type: "string" as const, title: "Token", description: "d", sensitive: true },
    },
  };
  const config = checkUserConfig(manifest.user_config, { token: "sk-typed" }, "/b");
  const l = launchOfManifest(manifest, "/b", config, { kind: "bundle", detail: "m.mcpb" });
  assert.deepEqual(l.args, ["--eval=require('x')", "/b/i.js"], "what runs");
  assert.deepEqual(l.display?.args, ["--eval=require('x')", "/b/i.js"], "what is shown: the default in clear");
  assert.deepEqual(l.display?.env, { TOKEN: "********", FLAGS: "--eval=require('x')" });
  assert.deepEqual(l.sensitiveEnv, ["TOKEN"]);
  const text = describeLaunch(l, 200);
  assert.match(text, /node '--eval=require\('\\''x'\\''\)' \/b\/i\.js/);
  assert.match(text, /left at the bundle's own default \(you did not enter them\):\n {4}Flags \(flags\): --eval=require\('x'\)/);
  assert.match(text, /TOKEN=\*\*\*\*\*\*\*\*/);
  assert.match(text, /\(\*\*\*\*\*\*\*\* stands for the secret values you entered\.\)/);
  assert.ok(!text.includes("sk-typed"));
  // The person types a value for the option that had a default: now it is theirs, and masked.
  const typed = launchOfManifest(manifest, "/b", checkUserConfig(manifest.user_config, { token: "t", flags: "--mine" }, "/b"), {
    kind: "bundle",
    detail: "m.mcpb",
  });
  assert.deepEqual(typed.display?.args, ["********", "/b/i.js"]);
  assert.equal(typed.display?.defaults, undefined);
  assert.ok(!describeLaunch(typed).includes("--mine"));
  // Only defaults, nothing entered: shown in clear, and no claim that anything was masked.
  const onlyDefault = launchOfManifest(
    { ...manifest, server: { ...manifest.server, mcp_config: { command: "node", args: ["${user_config.flags}"] } } },
    "/b",
    checkUserConfig(manifest.user_config, {}, "/b"),
    { kind: "bundle", detail: "m.mcpb" },
  );
  assert.equal(onlyDefault.display?.masked, false);
  assert.ok(!describeLaunch(onlyDefault).includes("stands for the secret values"));
  assert.ok(describeLaunch(onlyDefault).includes("--eval=require"));
});

test("a secret the person entered is masked wherever it is put in: a key of any spelling, in the command, arguments and environment", () => {
  for (const key of ["api.key", "api_key", "key with spaces/and:colons"]) {
    const ref = `\${user_config.${key}}`;
    const manifest = {
      name: "m",
      version: "1",
      description: "d",
      author: { name: "a" },
      server: {
        type: "binary" as const,
        entry_point: "bin",
        mcp_config: { command: `\${__dirname}/bin-${ref}`, args: [`--token=${ref}`, ref], env: { TOKEN: ref, MODE: "fast" } },
      },
      user_config: { [key]: { type: "string" as const, title: "API key", description: "d", sensitive: true, required: true } },
    };
    const config = checkUserConfig(manifest.user_config, { [key]: "sk-live-SECRET123" }, "/b");
    const l = launchOfManifest(manifest, "/b", config, { kind: "bundle", detail: "m.mcpb" });
    // What runs gets the secret...
    assert.equal(l.command, "/b/bin-sk-live-SECRET123", key);
    assert.deepEqual(l.args, ["--token=sk-live-SECRET123", "sk-live-SECRET123"], key);
    assert.deepEqual(l.env, { TOKEN: "sk-live-SECRET123", MODE: "fast" }, key);
    // ...what is shown and logged never does.
    assert.deepEqual(l.sensitiveEnv, ["TOKEN"], key);
    assert.equal(l.display?.command, "/b/bin-********", key);
    assert.deepEqual(l.display?.args, ["--token=********", "********"], key);
    assert.deepEqual(l.display?.env, { TOKEN: "********", MODE: "fast" }, key);
    assert.equal(l.display?.masked, true, key);
    const text = describeLaunch(l, 200);
    assert.ok(!text.includes("SECRET123"), `${key}:\n${text}`);
    assert.ok(!commandLine(l).includes("SECRET123"), key);
    assert.match(text, /exactly:\n {4}'\/b\/bin-\*{8}' '--token=\*{8}' '\*{8}'\n/, key);
    assert.match(text, /TOKEN=\*{8}\n/, key);
    assert.notEqual(consentHash(l), consentHash({ ...l, command: "/b/bin-other" }), "the command is still what consent is for");
  }
});
