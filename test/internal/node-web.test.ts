import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { serveWeb } from "../../src/internal/node-web.js";

test("serveWeb: a web handler behind node:http — body, headers, several cookies, streaming; an oversized body is 413", async () => {
  const http = createServer((req, res) =>
    serveWeb(
      req,
      res,
      "http://127.0.0.1",
      async (r) => {
        const h = new Headers({ "x-method": r.method });
        h.append("set-cookie", "a=1");
        h.append("set-cookie", "b=2");
        return new Response(`${r.method} ${new URL(r.url).pathname} ${r.method === "POST" ? await r.text() : ""}`, {
          status: 201,
          headers: h,
        });
      },
      100,
    ),
  );
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  try {
    const r = await fetch(`${base}/x`, { method: "POST", body: "hello" });
    assert.equal(r.status, 201);
    assert.equal(await r.text(), "POST /x hello");
    assert.deepEqual(r.headers.getSetCookie(), ["a=1", "b=2"]);
    const big = await fetch(`${base}/x`, { method: "POST", body: "x".repeat(1000) });
    assert.equal(big.status, 413);
  } finally {
    http.close();
  }
});
