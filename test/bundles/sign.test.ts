/**
 * Bundle signatures: Trellis signs (the result is still a valid ZIP that mcpb and Trellis read), verifies its own
 * and mcpb's signatures against a test CA, and reports tampering, untrusted and self-signed signers, expiry and
 * malformed blocks — never crashing on them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { joinSignature, packBundle, readBundle, readZip, signBundle, unsignBundle, verifyBundle } from "../../src/bundles/index.js";
import { run } from "../../src/cli/main.js";

const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/bundle-server", import.meta.url));
const CERTS = fileURLToPath(new URL("../../../test/fixtures/bundle-certs/", import.meta.url));
const mcpbCli = fileURLToPath(new URL("../../../node_modules/@anthropic-ai/mcpb/dist/cli/cli.js", import.meta.url));
const pem = (f: string) => readFileSync(join(CERTS, f), "utf8");
const CA = [pem("ca.pem")];
const publisher = { certificate: pem("publisher.pem"), privateKey: pem("publisher.key"), intermediates: [pem("intermediate.pem")] };

function mcpb(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [mcpbCli, ...args], { cwd, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, out: stdout + stderr }),
    ),
  );
}

test("sign then verify against the test CA: signed, with the signer, the chain and what was signed; still a valid ZIP", async () => {
  const { bytes } = await packBundle(FIXTURE);
  const signed = await signBundle(bytes, publisher);
  const r = await verifyBundle(signed, { trusted: CA });
  assert.equal(r.status, "signed", r.reason);
  assert.equal(r.signer!.subject, "CN=Example Publisher");
  assert.deepEqual(r.chain, ["CN=Example Publisher", "CN=Trellis Test Intermediate", "CN=Trellis Test Root CA"]);
  assert.ok(r.signingTime);
  // The EOCD comment length covers the block: the archive is valid as it stands, and unsign gives back the original.
  const view = new DataView(signed.buffer, signed.byteOffset);
  const eocd = r.signed!.bytes - 22 - 0;
  assert.equal(view.getUint32(eocd, true), 0x06054b50);
  assert.equal(view.getUint16(eocd + 20, true), signed.length - r.signed!.bytes, "the comment length covers the signature block");
  assert.equal(readZip(signed).length, 3);
  assert.deepEqual(Buffer.from(unsignBundle(signed)), Buffer.from(bytes));
  assert.equal(
    (await verifyBundle(await signBundle(signed, publisher), { trusted: CA })).status,
    "signed",
    "re-signing replaces the block",
  );
});

test("what verify refuses: a flipped byte, another trust store, a self-signed signer, an expired chain, a broken block", async () => {
  const { bytes } = await packBundle(FIXTURE);
  const signed = await signBundle(bytes, publisher);
  const tampered = new Uint8Array(signed);
  tampered[200]! ^= 1;
  const t = await verifyBundle(tampered, { trusted: CA });
  assert.equal(t.status, "invalid");
  assert.match(t.reason!, /does not match the bundle's bytes|does not verify/);
  assert.equal((await verifyBundle(signed)).status, "untrusted", "the system store does not know the test CA");
  const self = await signBundle(bytes, { certificate: pem("self.pem"), privateKey: pem("self.key") });
  const s = await verifyBundle(self, { trusted: CA });
  assert.equal(s.status, "self-signed");
  assert.equal((await verifyBundle(self, { trusted: [pem("self.pem")] })).status, "signed", "trusted when it is itself the anchor");
  const later = await verifyBundle(signed, { trusted: CA, at: new Date(Date.now() + 20 * 365 * 86_400_000) });
  assert.equal(later.status, "invalid");
  assert.match(later.reason!, /validity dates|expired|not valid/i);
  assert.equal((await verifyBundle(bytes)).status, "unsigned");
  const garbage = joinSignature(bytes, new Uint8Array([1, 2, 3, 4, 5]));
  assert.equal((await verifyBundle(garbage, { trusted: CA })).status, "malformed");
  const wrongKey = await signBundle(bytes, { ...publisher, privateKey: pem("self.key") }).catch((e: Error) => e);
  if (!(wrongKey instanceof Error))
    assert.equal((await verifyBundle(wrongKey, { trusted: CA })).status, "invalid", "a key that is not the certificate's");
});

test("interop: a bundle signed by mcpb verifies with Trellis; one signed by Trellis is read and unpacked by mcpb", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-sign-"));
  try {
    assert.equal((await mcpb(["pack", FIXTURE, join(dir, "m.mcpb")], dir)).code, 0);
    const s = await mcpb(
      ["sign", join(dir, "m.mcpb"), "--cert", join(CERTS, "rsa-publisher.pem"), "--key", join(CERTS, "rsa-publisher.key")],
      dir,
    );
    assert.equal(s.code, 0, s.out);
    const r = await verifyBundle(new Uint8Array(readFileSync(join(dir, "m.mcpb"))), { trusted: CA });
    assert.equal(r.status, "signed", r.reason);
    assert.equal(r.signer!.subject, "CN=RSA Publisher");
    const mine = await signBundle((await packBundle(FIXTURE)).bytes, publisher);
    writeFileSync(join(dir, "t.mcpb"), mine);
    const u = await mcpb(["unpack", "t.mcpb", "u"], dir);
    assert.equal(u.code, 0, u.out);
    assert.equal(readFileSync(join(dir, "u/manifest.json"), "utf8"), readFileSync(join(FIXTURE, "manifest.json"), "utf8"));
    assert.equal(readBundle(mine).entries.length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("trellis bundle sign / verify / unsign: exit 0 on success, non-zero with the reason", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-sign-cli-"));
  let out = "";
  let err = "";
  const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s) };
  try {
    const file = join(dir, "b.mcpb");
    writeFileSync(file, (await packBundle(FIXTURE)).bytes);
    assert.equal(await run(["bundle", "verify", file, "--ca", join(CERTS, "ca.pem")], io), 1);
    assert.match(err, /unsigned/);
    const key = join(CERTS, "publisher.key");
    assert.equal(
      await run(
        ["bundle", "sign", file, "--cert", join(CERTS, "publisher.pem"), "--key", key, "--intermediate", join(CERTS, "intermediate.pem")],
        io,
      ),
      0,
    );
    out = "";
    assert.equal(await run(["bundle", "verify", file, "--ca", join(CERTS, "ca.pem")], io), 0);
    assert.match(out, /b\.mcpb: signed\n {2}signed: \d+ bytes, sha256 [0-9a-f]{64}\n {2}signer: CN=Example Publisher/);
    err = "";
    assert.equal(await run(["bundle", "verify", file], io), 1, "not trusted by the system store");
    assert.match(err, /untrusted/);
    assert.equal(await run(["bundle", "unsign", file], io), 0);
    assert.equal(await run(["bundle", "verify", file, "--ca", join(CERTS, "ca.pem")], io), 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a signature transplanted from another bundle (its bytes moved into eContent) is refused", async () => {
  const pkijs = await import("pkijs");
  const asn1js = await import("asn1js");
  const { splitSignature } = await import("../../src/bundles/index.js");
  const good = await signBundle((await packBundle(FIXTURE)).bytes, publisher);
  const { content, pkcs7 } = splitSignature(good);
  const sd = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(pkcs7 as Uint8Array<ArrayBuffer>).content });
  sd.encapContentInfo = new pkijs.EncapsulatedContentInfo({
    eContentType: "1.2.840.113549.1.7.1",
    eContent: new asn1js.OctetString({ valueHex: content as Uint8Array<ArrayBuffer> }),
  });
  const der = new Uint8Array(
    new pkijs.ContentInfo({ contentType: "1.2.840.113549.1.7.2", content: sd.toSchema(true) }).toSchema().toBER(false),
  );
  const evil = joinSignature(readFileSync(join(CERTS, "README.md")), der);
  const r = await verifyBundle(evil, { trusted: CA });
  assert.equal(r.status, "invalid");
  assert.match(r.reason!, /not detached/);
});

test("a certificate that is not a CA cannot vouch for another; a certificate not for code signing does not sign bundles", async () => {
  const { bytes } = await packBundle(FIXTURE);
  // The publisher (CA:FALSE) "issuing" a certificate is refused however the names line up.
  const dir = mkdtempSync(join(tmpdir(), "trellis-ca-"));
  try {
    const sh = (cmd: string) =>
      new Promise<void>((resolve, reject) => execFile("sh", ["-c", cmd], { cwd: dir }, (e) => (e ? reject(e) : resolve())));
    // An end-entity certificate without keyUsage (so name and key checks alone would let it issue)...
    await sh(
      `openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout e.key -out e.csr -subj "/CN=Some End Entity" 2>/dev/null && printf "extendedKeyUsage=codeSigning\\n" > e.ext && openssl x509 -req -in e.csr -CA ${join(CERTS, "intermediate.pem")} -CAkey ${join(CERTS, "intermediate.key")} -set_serial 8 -out e.pem -days 30 -extfile e.ext 2>/dev/null`,
    );
    // ... "issues" one in a name of its choosing.
    await sh(
      `openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout m.key -out m.csr -subj "/CN=Anthropic PBC" 2>/dev/null && openssl x509 -req -in m.csr -CA e.pem -CAkey e.key -set_serial 9 -out m.pem -days 30 -extfile e.ext 2>/dev/null`,
    );
    const forged = await signBundle(bytes, {
      certificate: readFileSync(join(dir, "m.pem"), "utf8"),
      privateKey: readFileSync(join(dir, "m.key"), "utf8"),
      intermediates: [readFileSync(join(dir, "e.pem"), "utf8"), pem("intermediate.pem")],
    });
    const r = await verifyBundle(forged, { trusted: CA });
    assert.equal(r.status, "invalid");
    assert.match(r.reason!, /Some End Entity is not a CA/);
    // A server certificate (EKU serverAuth) from a trusted chain does not sign software.
    await sh(
      `openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout w.key -out w.csr -subj "/CN=www.example.com" 2>/dev/null && printf "extendedKeyUsage=serverAuth\\n" > w.ext && openssl x509 -req -in w.csr -CA ${join(CERTS, "intermediate.pem")} -CAkey ${join(CERTS, "intermediate.key")} -set_serial 10 -out w.pem -days 30 -extfile w.ext 2>/dev/null`,
    );
    const web = await signBundle(bytes, {
      certificate: readFileSync(join(dir, "w.pem"), "utf8"),
      privateKey: readFileSync(join(dir, "w.key"), "utf8"),
      intermediates: [pem("intermediate.pem")],
    });
    const w = await verifyBundle(web, { trusted: CA });
    assert.equal(w.status, "invalid");
    assert.match(w.reason!, /not for code signing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
