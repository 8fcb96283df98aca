/** The loopback redirect receiver (RFC 8252): it takes the answer for the state it waits for, and nothing else. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loopbackRedirect } from "../../../src/auth/client/loopback.js";

test("loopbackRedirect: 127.0.0.1 only; a wrong state or path gets 404 and is not taken; the right one resolves authorize", async () => {
  let shown: URL | undefined;
  const r = await loopbackRedirect({ open: (u) => void (shown = u) });
  assert.match(r.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  const auth = new URL("https://as.example.com/authorize?state=s123");
  const back = r.authorize(auth);
  await new Promise((res) => setTimeout(res, 20));
  assert.equal(shown?.href, auth.href);
  assert.equal((await fetch(`${r.redirectUri}?code=evil&state=other`)).status, 404);
  assert.equal((await fetch(`${r.redirectUri.replace("/callback", "/elsewhere")}?state=s123`)).status, 404);
  const ok = await fetch(`${r.redirectUri}?code=c1&state=s123`);
  assert.equal(ok.status, 200);
  assert.equal(await back, `${r.redirectUri}?code=c1&state=s123`);
  await r.close();
});

test("loopbackRedirect: nobody coming back is a REQUEST_TIMEOUT", async () => {
  const r = await loopbackRedirect({ open: () => {}, timeoutMs: 50 });
  await assert.rejects(
    r.authorize(new URL("https://as/authorize?state=x")),
    (e: unknown) => (e as { code?: string }).code === "REQUEST_TIMEOUT",
  );
  await r.close();
});
