/**
 * Skills, client side: listing reads no file, loading reads SKILL.md and verifies it (listed, size, digest,
 * frontmatter) before returning anything, supporting files are read only when asked and verified too. A server
 * that tampers with any of these is caught, and the supporting files of a skill that failed are never read.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { McpServer, defineExtension } from "../../../src/server/index.js";
import { McpClient } from "../../../src/client/index.js";
import { MemoryTransport } from "../../../src/index.js";
import { skillsServer, skillsClient, SKILLS_EXTENSION, type SkillEntry } from "../../../src/ext/skills/index.js";
import { pdfSkill } from "../../fixtures/skills.js";

const sha = (b: string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

async function connect(server: McpServer) {
  const reads: string[] = [];
  const client = new McpClient({ name: "c", version: "1" });
  const skills = client.use(skillsClient());
  const [a, b] = MemoryTransport.createPair();
  server.connect(a);
  await client.connect(b);
  const read = client.readResource.bind(client);
  client.readResource = (uri, o) => (reads.push(uri), read(uri, o));
  return { client, skills, reads };
}

test("against a Trellis server: list reads nothing; load verifies SKILL.md; files are read on demand, verified", async () => {
  const server = new McpServer({ name: "s", version: "1" });
  server.use(skillsServer({ skills: [pdfSkill()] }));
  const { client, skills, reads } = await connect(server);
  assert.equal(skills.available, true);
  assert.equal(skills.directoryRead, true);
  const [entry] = await skills.list();
  assert.deepEqual(reads, []);
  const loaded = await skills.load(entry!);
  assert.deepEqual(reads, ["skill://pdf-processing/SKILL.md"]);
  assert.equal(loaded.frontmatter.name, "pdf-processing");
  assert.match(loaded.body, /# PDF processing/);
  const forms = await loaded.readFile("references/FORMS.md");
  assert.equal(forms.text, "# Forms\n\nHow to fill forms.\n");
  const logo = await loaded.readFile("skill://pdf-processing/assets/logo.png");
  assert.deepEqual([...logo.bytes], [0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
  await assert.rejects(loaded.readFile("secret.txt"), (e: any) => e.code === "VERIFICATION_FAILED" && /not listed/.test(e.message));
  assert.equal(reads.length, 3);
  assert.deepEqual((await skills.get(entry!.uri)).uri, entry!.uri);
  assert.deepEqual(
    (await skills.readDirectory("skill://pdf-processing")).map((r) => r.name),
    ["SKILL.md", "assets", "references", "templates"],
  );
  assert.equal((await skills.load(entry!.uri)).entry.uri, entry!.uri);
  await client.close();
});

const GOOD = "---\nname: pdf-processing\ndescription: Extract, fill, and assemble PDF documents\n---\n\nSkill body.\n";
const FORMS = "Supporting content.\n";

/** A server that lists `listed` for SKILL.md but serves `served` (the conformance suite's tampering cases). */
function tampering(served: string, listed: Partial<{ digest: string; size: number; description: string; dynamic: boolean }> = {}) {
  const server = new McpServer({ name: "evil", version: "1" });
  const entry: SkillEntry = {
    uri: "skill://pdf-processing/SKILL.md",
    frontmatter: { name: "pdf-processing", description: listed.description ?? "Extract, fill, and assemble PDF documents" },
    resources: listed.dynamic
      ? "dynamic"
      : [
          { uri: "skill://pdf-processing/SKILL.md", digest: listed.digest ?? sha(GOOD), size: listed.size ?? Buffer.byteLength(GOOD) },
          { uri: "skill://pdf-processing/references/FORMS.md", digest: sha(FORMS), size: Buffer.byteLength(FORMS) },
        ],
  };
  server.use(
    defineExtension({
      id: SKILLS_EXTENSION,
      setup(x) {
        x.method("skills/list", { handler: () => ({ skills: [entry] }) });
        x.registerResource("skill://pdf-processing/SKILL.md", { name: "s", mimeType: "text/markdown" }, () => ({ text: served }));
        x.registerResource("skill://pdf-processing/references/FORMS.md", { name: "f" }, () => ({ text: FORMS }));
      },
    }),
  );
  return server;
}

for (const [name, server, why] of [
  [
    "a changed body of the same size",
    () => tampering(GOOD.replace("Skill body.", "Evil body!!")),
    /digest sha256:\w+ where the entry says/,
  ],
  ["extra bytes", () => tampering(`${GOOD}extra bytes the entry did not account for\n`), /bytes where the entry says 97/],
  [
    "a frontmatter changed with the digest and size to match",
    () => {
      const evil = GOOD.replace("Extract, fill, and assemble PDF documents", "Exfiltrate credentials");
      return tampering(evil, { digest: sha(evil), size: Buffer.byteLength(evil) });
    },
    /frontmatter field "description" differs/,
  ],
  ["a dynamic entry", () => tampering(GOOD, { dynamic: true }), /generated on demand/],
] as const) {
  test(`load refuses ${name}, and the skill's other files are never read`, async () => {
    const { client, skills, reads } = await connect(server());
    const [entry] = await skills.list();
    await assert.rejects(skills.load(entry!), (e: any) => e.code === "VERIFICATION_FAILED" && why.test(e.message));
    assert.ok(!reads.includes("skill://pdf-processing/references/FORMS.md"));
    await client.close();
  });
}

test("the honest twin of the tampering server loads; a server without the extension is refused before any request", async () => {
  const { client, skills } = await connect(tampering(GOOD));
  const [entry] = await skills.list();
  assert.equal((await (await skills.load(entry!)).readFile("references/FORMS.md")).text, FORMS);
  await client.close();
  const plain = await connect(new McpServer({ name: "plain", version: "1" }));
  assert.equal(plain.skills.available, false);
  await assert.rejects(plain.skills.list(), (e: any) => e.code === "CAPABILITY_MISSING");
  await plain.client.close();
});

test("malformed entries are left out of the listing and reported; spec-shaped entries (no size, no resources) are accepted", async () => {
  const fm = { name: "a", description: "d" };
  const digest = sha("x");
  for (const [bad, why] of [
    [{}, /uri ending in \/SKILL.md/],
    [{ uri: "x" }, /uri ending in \/SKILL.md/],
    [{ uri: "skill://a/SKILL.md", frontmatter: {} }, /name and a description/],
    [{ uri: "skill://a/SKILL.md", frontmatter: fm, resources: [{ uri: "u", digest: "md5:1", size: 1 }] }, /sha256 digest/],
    [{ uri: "skill://b/SKILL.md", frontmatter: fm, resources: [] }, /must equal its frontmatter name "a"/],
    [
      { uri: "skill://a/SKILL.md", frontmatter: fm, resources: [{ uri: "skill://other/SKILL.md", digest }] },
      /outside the skill's directory/,
    ],
    [{ uri: "skill://a/SKILL.md", frontmatter: fm, resources: [{ uri: "skill://a/../other/x", digest }] }, /outside the skill's directory/],
    [{ uri: "skill://a/SKILL.md", frontmatter: fm, resources: [{ uri: "skill://a/SKILL.md", digest, size: -1 }] }, /whole number/],
  ] as const) {
    const server = new McpServer({ name: "s", version: "1" });
    const good = { uri: "skill://x/a/SKILL.md", frontmatter: fm, resources: [{ uri: "skill://x/a/SKILL.md", digest }] };
    const dynamic = { uri: "skill://d/a/SKILL.md", frontmatter: fm };
    server.use(
      defineExtension({
        id: SKILLS_EXTENSION,
        setup: (x) => x.method("skills/list", { handler: () => ({ skills: [bad, good, dynamic] }) }),
      }),
    );
    const reported: Error[] = [];
    const client = new McpClient({ name: "c", version: "1" });
    const skills = client.use(skillsClient({ onInvalidEntry: (e) => reported.push(e) }));
    const [a, b] = MemoryTransport.createPair();
    server.connect(a);
    await client.connect(b);
    const listed = await skills.list();
    assert.deepEqual(
      listed.map((e) => [e.uri, e.resources === "dynamic" ? "dynamic" : e.resources.length]),
      [
        ["skill://x/a/SKILL.md", 1],
        ["skill://d/a/SKILL.md", "dynamic"],
      ],
    );
    assert.equal(reported.length, 1);
    assert.equal((reported[0] as any).code, "INVALID_MESSAGE");
    assert.match(reported[0]!.message, why);
    await client.close();
  }
});

test("a listing that never ends is cut off at maxPages", async () => {
  const server = new McpServer({ name: "s", version: "1" });
  let n = 0;
  server.use(
    defineExtension({
      id: SKILLS_EXTENSION,
      settings: { directoryRead: true },
      setup: (x) => {
        x.method("skills/list", { handler: () => ({ skills: [], nextCursor: `c${n++}` }) });
        x.method("resources/directory/read", { handler: () => ({ resources: [], nextCursor: "same" }) });
      },
    }),
  );
  const client = new McpClient({ name: "c", version: "1" });
  const skills = client.use(skillsClient({ maxPages: 20 }));
  const [a, b] = MemoryTransport.createPair();
  server.connect(a);
  await client.connect(b);
  await assert.rejects(skills.list(), (e: any) => e.code === "INVALID_MESSAGE" && /past 20 pages/.test(e.message));
  assert.equal(n, 20);
  await assert.rejects(skills.readDirectory("skill://a"), (e: any) => /repeated a cursor/.test(e.message));
  await client.close();
});
