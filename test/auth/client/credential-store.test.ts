/** MemoryCredentialStore and FileCredentialStore run the CredentialStore contract; the file is private and survives a reopen. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryCredentialStore } from "../../../src/auth/client/credential-store.js";
import { FileCredentialStore } from "../../../src/auth/client/file-credential-store.js";
import { credentialStoreContract } from "./credential-store.contract.js";

const dir = mkdtempSync(join(tmpdir(), "trellis-creds-"));
let n = 0;

credentialStoreContract("MemoryCredentialStore", () => new MemoryCredentialStore());
credentialStoreContract("FileCredentialStore", () => new FileCredentialStore(join(dir, `c${n++}`, "credentials.json")));

test("FileCredentialStore: mode 0600, one JSON file, read again by a new instance; a corrupt file reads as empty", () => {
  const file = join(dir, "own", "credentials.json");
  new FileCredentialStore(file).save("k", { v: 1 });
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { k: { v: 1 } });
  assert.deepEqual(new FileCredentialStore(file).load("k"), { v: 1 });
  writeFileSync(file, "{not json");
  const s = new FileCredentialStore(file);
  assert.equal(s.load("k"), undefined);
  s.save("k2", 2);
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { k2: 2 });
  rmSync(dir, { recursive: true, force: true });
});
