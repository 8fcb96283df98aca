/**
 * The official conformance suite's client scenarios (the 2025-11-25 and the 2026-07-28 requirement sets) against the Trellis
 * conformance client (`npm run everything-client`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runConformance, ranAndPassed } from "./run.js";
import { EXPECTED_CLIENT_FAILURES } from "./expected-failures.js";

const client = fileURLToPath(new URL("../../examples/everything-client/client.js", import.meta.url));

test("conformance: client scenarios pass, except the listed expected failures", { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-conformance-client-"));
  try {
    const { summary, scenarios } = await runConformance(
      ["client", "--command", `${process.execPath} ${client}`, "--requirements", "2025-11-25"],
      dir,
    );
    // Every scored scenario of 2025-11-25 and the three authorization extensions issue 6 names.
    const mustPass = [
      "initialize",
      "tools_call",
      "elicitation-sep1034-client-defaults",
      "sse-retry",
      "json-schema-2020-12-preservation",
      ...["metadata-default", "metadata-var1", "metadata-var2", "metadata-var3", "basic-cimd"].map((s) => `auth/${s}`),
      ...[
        "scope-from-www-authenticate",
        "scope-from-scopes-supported",
        "scope-omitted-when-undefined",
        "scope-step-up",
        "scope-retry-limit",
      ].map((s) => `auth/${s}`),
      ...["token-endpoint-auth-basic", "token-endpoint-auth-post", "token-endpoint-auth-none", "pre-registration"].map((s) => `auth/${s}`),
      ...["client-credentials-jwt", "client-credentials-basic", "enterprise-managed-authorization"].map((s) => `auth/${s}`),
    ];
    for (const name of mustPass) {
      const s = scenarios.find((x) => x.name === name);
      assert.ok(s?.ok, `${name} must pass:\n${summary}`);
    }
    const unexpected = scenarios.filter((s) => !s.ok && !(s.name in EXPECTED_CLIENT_FAILURES)).map((s) => s.name);
    assert.deepEqual(unexpected, [], `scenarios failing that are not expected to:\n${summary}`);
    const fixed = scenarios.filter((s) => s.ok && s.name in EXPECTED_CLIENT_FAILURES).map((s) => s.name);
    assert.deepEqual(fixed, [], "these now pass: remove them from test/conformance/expected-failures.ts");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("conformance: client scenarios required by 2026-07-28 all pass with the same client (it speaks the revision the suite asks for)", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-conformance-client-"));
  try {
    const { summary, scenarios } = await runConformance(
      ["client", "--command", `${process.execPath} ${client}`, "--requirements", "2026-07-28", "--timeout", "20000"],
      dir,
    );
    const failed = scenarios.filter((s) => !s.ok).map((s) => s.name);
    assert.deepEqual(failed, [], `failing scenarios:\n${summary}`);
    ranAndPassed(
      scenarios,
      [
        "tools_call",
        "request-metadata",
        "sep-2322-client-request-state",
        "http-standard-headers",
        "http-custom-headers",
        "http-invalid-tool-headers",
        "json-schema-ref-no-deref",
        "auth/scope-step-up",
        "auth/authorization-server-migration",
      ],
      summary,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
