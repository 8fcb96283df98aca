// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the manifest substitutions are literally ${...}
/** user_config answers checked and defaulted; the manifest's substitutions, and the references masking relies on. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkUserConfig, launchOfManifest, substitute } from "../../src/bundles/index.js";
import { userConfigRefs } from "../../src/bundles/user-config.js";

test("user_config: types, required, bounds, defaults; substitutions of ${__dirname}, ${HOME}, ${user_config.X}", () => {
  const options = {
    key: { type: "string" as const, title: "Key", description: "d", required: true, sensitive: true },
    n: { type: "number" as const, title: "N", description: "d", min: 1, max: 5, default: 2 },
    dirs: { type: "directory" as const, title: "Dirs", description: "d", multiple: true },
    on: { type: "boolean" as const, title: "On", description: "d" },
  };
  assert.throws(() => checkUserConfig(options, {}, "/b"), /Key \(key\) is required/);
  assert.throws(() => checkUserConfig(options, { key: "k", n: "9" }, "/b"), /at most 5/);
  assert.throws(() => checkUserConfig(options, { key: "k", n: "x" }, "/b"), /must be a number/);
  assert.throws(() => checkUserConfig(options, { key: "k", on: "maybe" }, "/b"), /yes or no/);
  const v = checkUserConfig(options, { key: "k", dirs: "/a, /b", on: "yes" }, "/b");
  assert.deepEqual(v, { key: "k", n: 2, dirs: ["/a", "/b"], on: true });
  assert.deepEqual(substitute("${user_config.dirs}", "/b", v), ["/a", "/b"], "a multiple value as several arguments");
  assert.equal(substitute("${__dirname}/x", "/b", v), "/b/x");
  assert.throws(() => substitute("${NOPE}", "/b", v), /not a known substitution/);
  const l = launchOfManifest(
    {
      name: "m",
      version: "1",
      description: "d",
      author: { name: "a" },
      server: {
        type: "node",
        entry_point: "i.js",
        mcp_config: { command: "node", args: ["${__dirname}/i.js", "${user_config.dirs}"], env: { KEY: "${user_config.key}" } },
      },
      user_config: options,
    },
    "/b",
    v,
    { kind: "bundle", detail: "m.mcpb" },
  );
  assert.deepEqual([l.command, l.args, l.env, l.sensitiveEnv], ["node", ["/b/i.js", "/a", "/b"], { KEY: "k" }, ["KEY"]]);
});

test("references are read the way substitute reads them: any key the schema allows, a multiple value as several arguments", () => {
  const config = { "api.key": "k", "dirs.list": ["/a", "/b"], "with space": "s" };
  assert.deepEqual(userConfigRefs("${__dirname}/bin-${user_config.api.key} ${user_config.with space}${HOME}"), ["api.key", "with space"]);
  assert.equal(substitute("${__dirname}/bin-${user_config.api.key}", "/b", config), "/b/bin-k");
  assert.equal(substitute("${user_config.with space}", "/b", config), "s");
  assert.deepEqual(substitute("${user_config.dirs.list}", "/b", config), ["/a", "/b"], "a multiple value as several arguments");
  assert.equal(substitute("x${user_config.dirs.list}", "/b", config), "x/a /b");
  // Only the options' own values: a template naming an inherited property gets nothing.
  assert.equal(substitute("[${user_config.constructor}]", "/b", config), "[]");
  assert.throws(() => substitute("${constructor}", "/b", config), /not a known substitution/);
});

test("what the person typed is used literally: no substitution inside an answer, no error quoting it; defaults are substituted", () => {
  const options = {
    token: { type: "string" as const, title: "Token", description: "d", sensitive: true, required: true },
    notes: { type: "directory" as const, title: "Notes", description: "d", default: "${HOME}/notes" },
    dirs: { type: "directory" as const, title: "Dirs", description: "d", multiple: true, default: ["${HOME}/a", "${DOCUMENTS}"] },
  };
  const home = process.env.HOME;
  process.env.HOME = "/home/u";
  try {
    for (const typed of ["sk-${x}-123", "${HOME}", "p${user_config.notes}q", "${__dirname}"]) {
      const v = checkUserConfig(options, { token: typed }, "/b");
      assert.equal(v.token, typed, "an answer is not a template");
      assert.deepEqual(
        [v.notes, v.dirs],
        ["/home/u/notes", ["/home/u/a", "/home/u/Documents"]],
        "a default is the manifest's: substituted",
      );
      const l = launchOfManifest(
        {
          name: "m",
          version: "1",
          description: "d",
          author: { name: "a" },
          server: {
            type: "node",
            entry_point: "i.js",
            mcp_config: { command: "node", args: ["--token=${user_config.token}"], env: { T: "${user_config.token}" } },
          },
          user_config: options,
        },
        "/b",
        v,
        { kind: "bundle", detail: "m.mcpb" },
      );
      assert.deepEqual([l.args, l.env.T], [[`--token=${typed}`], typed], "put into the templates as it is, not read again");
      assert.deepEqual([l.display?.args, l.display?.env.T], [["--token=********"], "********"]);
    }
    // A typed answer for a multiple option is literal too; the person's values, split at commas.
    assert.deepEqual(checkUserConfig(options, { token: "t", dirs: "${HOME}/x, /y" }, "/b").dirs, ["${HOME}/x", "/y"]);
  } finally {
    if (home === undefined) delete process.env.HOME;
    else process.env.HOME = home;
  }
});
