/**
 * Skills, server side: entries with digests and sizes computed from the bytes served, skills/get, directory
 * reads, SKILL.md in resources/list (supporting files readable but unlisted), pagination, and the checks made
 * when the extension is set up — over the in-memory pair and Streamable HTTP.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { McpServer, ErrorCode } from "../../../src/server/index.js";
import { skillsServer, SKILLS_EXTENSION, parseSkillMd } from "../../../src/ext/skills/index.js";
import { closeHttpServers, connectRaw } from "../../helpers.js";
import { pdfSkill, skill, PDF_SKILL_MD } from "../../fixtures/skills.js";

after(closeHttpServers);

const sha = (b: string | Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function server(options: Partial<Parameters<typeof skillsServer>[0]> = {}) {
  const s = new McpServer({ name: "skills", version: "1" });
  s.use(skillsServer({ skills: [pdfSkill(), skill("code-review", "team")], ...options }));
  return s;
}

for (const transport of ["memory", "http"] as const) {
  test(`${transport}: skills/list and skills/get give complete entries whose digests and sizes match what resources/read serves`, async () => {
    const raw = await connectRaw(server(), { transport });
    const init = (await raw.rpc.request("skills/list", {})) as { skills: any[] };
    assert.deepEqual(
      init.skills.map((s) => s.uri),
      ["skill://pdf-processing/SKILL.md", "skill://team/code-review/SKILL.md"],
    );
    const pdf = init.skills[0];
    assert.deepEqual(pdf.frontmatter, parseSkillMd(PDF_SKILL_MD).frontmatter);
    assert.deepEqual(
      pdf.resources.map((r: any) => r.uri),
      [
        "skill://pdf-processing/SKILL.md",
        "skill://pdf-processing/assets/logo.png",
        "skill://pdf-processing/references/FORMS.md",
        "skill://pdf-processing/templates/invoice.md",
        "skill://pdf-processing/templates/regional/eu-invoice.md",
      ],
    );
    for (const r of pdf.resources) {
      const read = (await raw.rpc.request("resources/read", { uri: r.uri })) as { contents: any[] };
      const c = read.contents[0];
      const bytes = c.text !== undefined ? Buffer.from(c.text, "utf8") : Buffer.from(c.blob, "base64");
      assert.equal(r.size, bytes.length, r.uri);
      assert.equal(r.digest, sha(bytes), r.uri);
    }
    assert.equal(pdf.resources[0].digest, sha(PDF_SKILL_MD));
    const logo = (await raw.rpc.request("resources/read", { uri: "skill://pdf-processing/assets/logo.png" })) as { contents: any[] };
    assert.equal(logo.contents[0].mimeType, "image/png");
    assert.ok(logo.contents[0].blob);
    const got = (await raw.rpc.request("skills/get", { uri: "skill://team/code-review/SKILL.md" })) as { skill: any };
    assert.deepEqual(got.skill, init.skills[1]);
    const unknown = await raw.rpc.request("skills/get", { uri: "skill://nope/SKILL.md" }).catch((e) => e);
    assert.equal(unknown.code, ErrorCode.InvalidParams);
    await raw.close();
  });
}

test("the extension is declared with directoryRead beside the resources capability; SKILL.md is listed with its frontmatter, other files are not", async () => {
  const s = server();
  const raw = await connectRaw(s, { initialize: false });
  const init = (await raw.rpc.request("initialize", {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "x", version: "1" },
  })) as any;
  assert.deepEqual(init.capabilities.extensions, { [SKILLS_EXTENSION]: { directoryRead: true } });
  assert.ok(init.capabilities.resources);
  const list = (await raw.rpc.request("resources/list", {})) as { resources: any[] };
  assert.deepEqual(list.resources, [
    {
      uri: "skill://pdf-processing/SKILL.md",
      name: "pdf-processing",
      description: "Extract, fill, and assemble PDF documents",
      mimeType: "text/markdown",
      size: Buffer.byteLength(PDF_SKILL_MD),
    },
    {
      uri: "skill://team/code-review/SKILL.md",
      name: "code-review",
      description: "The code-review skill",
      mimeType: "text/markdown",
      size: Buffer.byteLength(skill("code-review").files["SKILL.md"] as string),
    },
  ]);
  const off = new McpServer({ name: "x", version: "1" });
  off.use(skillsServer({ skills: [pdfSkill()], directoryRead: false }));
  const raw2 = await connectRaw(off, { initialize: false });
  const init2 = (await raw2.rpc.request("initialize", {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "x", version: "1" },
  })) as any;
  assert.deepEqual(init2.capabilities.extensions, { [SKILLS_EXTENSION]: {} });
  assert.equal((await raw2.rpc.request("resources/directory/read", { uri: "skill://pdf-processing" }).catch((e) => e)).code, -32601);
  await raw.close();
  await raw2.close();
});

test("resources/directory/read lists direct children, directories as inode/directory, pages, and refuses files and unknown paths", async () => {
  const raw = await connectRaw(server());
  const root = (await raw.rpc.request("resources/directory/read", { uri: "skill://pdf-processing" })) as { resources: any[] };
  assert.deepEqual(
    root.resources.map((r) => [r.uri, r.mimeType]),
    [
      ["skill://pdf-processing/SKILL.md", "text/markdown"],
      ["skill://pdf-processing/assets", "inode/directory"],
      ["skill://pdf-processing/references", "inode/directory"],
      ["skill://pdf-processing/templates", "inode/directory"],
    ],
  );
  const templates = (await raw.rpc.request("resources/directory/read", { uri: "skill://pdf-processing/templates/" })) as {
    resources: any[];
  };
  assert.deepEqual(
    templates.resources.map((r) => r.uri),
    ["skill://pdf-processing/templates/invoice.md", "skill://pdf-processing/templates/regional"],
  );
  for (const uri of ["skill://pdf-processing/SKILL.md", "skill://nope", "skill://pdf-processing/x", "file:///etc"]) {
    const err = await raw.rpc.request("resources/directory/read", { uri }).catch((e) => e);
    assert.equal(err.code, ErrorCode.InvalidParams, uri);
  }
  assert.equal((await raw.rpc.request("resources/directory/read", {}).catch((e) => e)).code, ErrorCode.InvalidParams);
  await raw.close();
});

test("skills/list and directory reads page with opaque cursors; an entry is never split; a forged cursor is -32602", async () => {
  const raw = await connectRaw(server({ pageSize: 1 }));
  const first = (await raw.rpc.request("skills/list", {})) as any;
  assert.equal(first.skills.length, 1);
  assert.equal(first.skills[0].resources.length, 5);
  const second = (await raw.rpc.request("skills/list", { cursor: first.nextCursor })) as any;
  assert.equal(second.skills[0].frontmatter.name, "code-review");
  assert.equal(second.nextCursor, undefined);
  for (const cursor of ["garbage", btoa("skills:99"), btoa("skills:-1")])
    assert.equal((await raw.rpc.request("skills/list", { cursor }).catch((e) => e)).code, ErrorCode.InvalidParams, cursor);
  const d1 = (await raw.rpc.request("resources/directory/read", { uri: "skill://pdf-processing" })) as any;
  const d2 = (await raw.rpc.request("resources/directory/read", { uri: "skill://pdf-processing", cursor: d1.nextCursor })) as any;
  assert.notDeepEqual(d1.resources, d2.resources);
  await raw.close();
});

test("a bad skill stops start-up with a message naming it and the fix", () => {
  const use = (skills: Parameters<typeof skillsServer>[0]["skills"]) => () =>
    new McpServer({ name: "x", version: "1" }).use(skillsServer({ skills }));
  assert.throws(use([{ files: { "README.md": "x" } }]), /skills\[0\] has no SKILL.md/);
  assert.throws(use([{ files: { "SKILL.md": "no frontmatter" } }]), /skills\[0\] SKILL.md must begin with YAML frontmatter/);
  assert.throws(use([skill("Bad_Name")]), /skill "Bad_Name": the name must be 1-64 characters/);
  assert.throws(use([skill("a", undefined, { "../escape.md": "x" })]), /file path "..\/escape.md" must be relative/);
  assert.throws(use([skill("a", undefined, { "/abs.md": "x" })]), /must be relative/);
  assert.throws(use([skill("a", undefined, { "a//b.md": "x" })]), /must be relative/);
  assert.throws(use([skill("a", "bad prefix")]), /prefix "bad prefix" must be/);
  assert.throws(use([skill("a"), skill("a")]), /two skills are served at skill:\/\/a/);
  assert.throws(use([skill("b", "a"), skill("a")]), /nest inside each other/);
  const many = Object.fromEntries(Array.from({ length: 512 }, (_, i) => [`f${i}.txt`, "x"]));
  assert.throws(use([skill("a", undefined, many)]), /513 files; a skill may have at most 512/);
  assert.throws(use([{ files: { "SKILL.md": `---\nname: a\ndescription: ${"d".repeat(1025)}\n---\n` } }]), /at most 1024 characters/);
  assert.throws(() => skillsServer({} as never), /pass \{ skills: \[...\] \}/);
});
