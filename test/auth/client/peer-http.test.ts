/** PeerHttp: the one policy for URLs a server names, and a fetch that bounds time and size. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { addressKind, PeerHttp } from "../../../src/auth/client/peer-http.js";
import { TrellisError } from "../../../src/protocol/errors.js";

test("addressKind: literals in every spelling the URL parser accepts", () => {
  const cases: [string, string][] = [
    ["http://example.com/", "public"],
    ["http://8.8.8.8/", "public"],
    ["http://localhost/", "loopback"],
    ["http://api.localhost/", "loopback"],
    ["http://127.0.0.1/", "loopback"],
    ["http://127.9.9.9/", "loopback"],
    ["http://[::1]/", "loopback"],
    ["http://0.0.0.0/", "unspecified"],
    ["http://[::]/", "unspecified"],
    ["http://10.1.2.3/", "private"],
    ["http://172.16.0.1/", "private"],
    ["http://172.31.255.255/", "private"],
    ["http://172.32.0.1/", "public"],
    ["http://192.168.1.1/", "private"],
    ["http://100.64.0.1/", "private"],
    ["http://[fd00::1]/", "private"],
    ["http://169.254.169.254/", "link-local"],
    ["http://2852039166/", "link-local"], // 169.254.169.254 as one decimal number
    ["http://0xa9.0xfe.0xa9.0xfe/", "link-local"],
    ["http://0251.0376.0251.0376/", "link-local"], // octal
    ["http://[::ffff:169.254.169.254]/", "link-local"],
    ["http://[::ffff:127.0.0.1]/", "loopback"],
    ["http://[64:ff9b::a9fe:a9fe]/", "link-local"],
    ["http://[fe80::1]/", "link-local"],
    ["http://224.0.0.1/", "reserved"],
    ["http://255.255.255.255/", "reserved"],
    ["http://[ff02::1]/", "reserved"],
  ];
  for (const [url, kind] of cases) assert.equal(addressKind(new URL(url).hostname), kind, url);
});

test("check: https anywhere public; http on loopback only; private kinds only from a server of that kind or when allowed", () => {
  const fromPublic = new PeerHttp("https://mcp.example.com/mcp");
  const fromLoopback = new PeerHttp("http://127.0.0.1:3000/mcp");
  const fromPrivate = new PeerHttp("http://10.0.0.5/mcp", { allowInsecureHttp: true });
  const permissive = new PeerHttp("https://mcp.example.com/mcp", { allowPrivateNetwork: true, allowInsecureHttp: true });
  const cases: [PeerHttp, string, RegExp | undefined][] = [
    [fromPublic, "https://auth.example.com/.well-known/x", undefined],
    [fromPublic, "file:///etc/passwd", /uses file:; only https/],
    [fromPublic, "javascript:alert(1)", /uses javascript:/],
    [fromPublic, "ftp://auth.example.com/", /uses ftp:/],
    [fromPublic, "http://auth.example.com/", /is not https/],
    [fromPublic, "https://169.254.169.254/latest/meta-data/", /link-local address and the MCP server is not/],
    [fromPublic, "https://10.0.0.1/", /private address/],
    [fromPublic, "https://127.0.0.1/", /loopback address/],
    [fromPublic, "https://localhost/", /loopback address/],
    [fromPublic, "https://0.0.0.0/", /unspecified address/],
    [fromPublic, "not a url", /is not a URL/],
    [fromLoopback, "http://127.0.0.1:9999/token", undefined],
    [fromLoopback, "http://localhost:9999/token", undefined],
    [fromLoopback, "http://169.254.169.254/", /link-local/],
    [fromLoopback, "http://192.168.0.1/", /private/],
    [fromPrivate, "http://10.9.9.9/", undefined],
    [fromPrivate, "http://127.0.0.1/", /loopback address and the MCP server is not/],
    [permissive, "http://169.254.169.254/", undefined],
    [permissive, "http://0.0.0.0/", /unspecified/],
  ];
  for (const [peer, url, refused] of cases) {
    if (!refused) assert.equal(peer.check(url, "url").href, new URL(url).href, url);
    else
      assert.throws(
        () => peer.check(url, "url"),
        (e: unknown) => e instanceof TrellisError && e.code === "UNSAFE_URL" && refused.test(e.message),
        url,
      );
  }
});

async function stub(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

test("fetch: redirects are followed hop by hop under the policy; a hop to a forbidden address is never fetched", async () => {
  const seen: string[] = [];
  const s = await stub((req, res) => {
    seen.push(req.url!);
    if (req.url === "/a") res.writeHead(302, { location: "/b" }).end();
    else if (req.url === "/b") res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    else if (req.url === "/evil") res.writeHead(307, { location: "http://169.254.169.254/latest/meta-data/iam" }).end();
    else if (req.url === "/loop") res.writeHead(302, { location: "/loop" }).end();
    else res.writeHead(404).end();
  });
  const fetched: string[] = [];
  const peer = new PeerHttp(`${s.url}/mcp`, { fetch: (u, i) => (fetched.push(String(u)), fetch(u, i)) });
  const ok = await peer.fetch(`${s.url}/a`);
  assert.deepEqual(await ok.json(), { ok: true });
  assert.equal(ok.url, `${s.url}/b`);
  await assert.rejects(
    peer.fetch(`${s.url}/evil`),
    (e: TrellisError) => e.code === "UNSAFE_URL" && /redirect from .*\/evil to http:\/\/169\.254\.169\.254/.test(e.message),
  );
  assert.ok(!fetched.some((u) => u.includes("169.254")), "the forbidden hop was not fetched");
  await assert.rejects(peer.fetch(`${s.url}/loop`), /too many redirects/);
  // A POST is not redirected: the 3xx comes back as it is.
  assert.equal((await peer.fetch(`${s.url}/a`, { method: "POST", body: "x" })).status, 302);
  await s.close();
});

test("fetch: the deadline covers headers and body; bodies over the cap are refused", async () => {
  const s = await stub((req, res) => {
    if (req.url === "/no-headers") return; // never answers
    if (req.url === "/slow-body") {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"a":'); // ...and never finishes
      return;
    }
    if (req.url === "/big") {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 32);
      let n = 0;
      const more = () => {
        while (n++ < 800) if (!res.write(chunk)) return void res.once("drain", more);
        res.end("{}");
      };
      more();
      return;
    }
    if (req.url === "/declared-big") return void res.writeHead(200, { "content-length": String(50 * 1024 * 1024) }).write("{");
    res.writeHead(200).end("{}");
  });
  const peer = new PeerHttp(`${s.url}/mcp`, { timeoutMs: 300, maxResponseBytes: 1024 * 1024 });
  for (const path of ["/no-headers", "/slow-body"]) {
    const started = Date.now();
    await assert.rejects(
      peer.fetch(`${s.url}${path}`),
      (e: TrellisError) => e.code === "REQUEST_TIMEOUT" && /within 300 ms/.test(e.message),
      path,
    );
    assert.ok(Date.now() - started < 2000, path);
  }
  await assert.rejects(
    peer.fetch(`${s.url}/big`),
    (e: TrellisError) => e.code === "RESPONSE_TOO_LARGE" && /larger than 1048576 bytes/.test(e.message),
  );
  await assert.rejects(peer.fetch(`${s.url}/declared-big`), (e: TrellisError) => e.code === "RESPONSE_TOO_LARGE");
  // A fetch that ignores its signal entirely is still cut off.
  const deaf = new PeerHttp(`${s.url}/mcp`, { timeoutMs: 200, fetch: () => new Promise<Response>(() => {}) });
  await assert.rejects(deaf.fetch(`${s.url}/x`), (e: TrellisError) => e.code === "REQUEST_TIMEOUT");
  await s.close();
});

test("addressKind: IPv6 forms that carry an IPv4 address are judged by it; site-local, Teredo, documentation ranges are not public", async () => {
  const { addressKind } = await import("../../../src/auth/client/peer-http.js");
  const kind = (h: string) => addressKind(new URL(`https://${h}/`).hostname);
  for (const [h, k] of [
    ["[::7f00:1]", "loopback"],
    ["[::ffff:0:7f00:1]", "loopback"],
    ["[2002:7f00:1::]", "loopback"],
    ["[2002:a9fe:a9fe::]", "link-local"],
    ["[64:ff9b:1::1]", "private"],
    ["[fec0::1]", "private"],
    ["[2001::1]", "reserved"],
    ["[2001:db8::1]", "reserved"],
    ["192.0.2.1", "reserved"],
    ["[2002:808:808::]", "public"],
    ["[2606:4700::1111]", "public"],
  ] as const)
    assert.equal(kind(h), k, h);
});
