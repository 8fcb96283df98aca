/** The client's SSE parser: the WHATWG event-stream format, across any chunking. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSse } from "../../../src/transports/http-client/sse-parser.js";

async function parse(chunks: string[], max?: number) {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk));
      c.close();
    },
  });
  const out = [];
  for await (const ev of parseSse(body, new AbortController().signal, max)) out.push(ev);
  return out;
}

test("parseSse: ids, retry, multi-line data, comments, CRLF and CR, split anywhere", async () => {
  const text =
    ': comment\r\nid: a_1\r\nretry: 500\r\ndata: {"x":1}\r\n\r\nid: a_2\ndata: line1\ndata: line2\n\nevent: other\rdata: z\r\rdata:no-space\n\nretry: soon\nid: a_3\n\n';
  const want = [
    { id: "a_1", retry: 500, data: '{"x":1}' },
    { id: "a_2", data: "line1\nline2" },
    { event: "other", data: "z" },
    { data: "no-space" },
    { id: "a_3", data: "" },
  ];
  assert.deepEqual(await parse([text]), want);
  const bytes = [...text];
  assert.deepEqual(await parse(bytes), want, "one character at a time");
});

test("parseSse: a multi-byte character split across chunks arrives whole", async () => {
  const bytes = new TextEncoder().encode("data: ✓é\n\n");
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const b of bytes) c.enqueue(new Uint8Array([b]));
      c.close();
    },
  });
  const out = [];
  for await (const ev of parseSse(body, new AbortController().signal)) out.push(ev.data);
  assert.deepEqual(out, ["✓é"]);
});

test("parseSse: a line past the limit ends the stream with RESPONSE_TOO_LARGE, however it is chunked", async () => {
  const chunks = Array.from({ length: 100 }, () => "x".repeat(100));
  await assert.rejects(parse(["data: ", ...chunks], 5000), (e: unknown) => (e as { code?: string }).code === "RESPONSE_TOO_LARGE");
  assert.equal((await parse(["data: ", ...chunks.slice(0, 40), "\n\n"], 5000))[0]!.data.length, 4000);
});
