import { test } from "node:test";
import assert from "node:assert/strict";
import { publicOnlyLookup } from "../../../src/auth/server/pinned-fetch.js";

test("publicOnlyLookup: a name is refused when any address it resolves to is not public; otherwise the connection uses those addresses", async () => {
  const answer = (addresses: Array<{ address: string; family: number }>) =>
    ((_h: string, _o: unknown, cb: (e: Error | null, a: typeof addresses) => void) => cb(null, addresses)) as never;
  const run = (lookup: ReturnType<typeof publicOnlyLookup>, all: boolean) =>
    new Promise<unknown>((resolve, reject) =>
      lookup("docs.example", { all } as never, ((e: Error | null, a: unknown) => (e ? reject(e) : resolve(a))) as never),
    );
  await assert.rejects(
    run(
      publicOnlyLookup(
        answer([
          { address: "93.184.216.34", family: 4 },
          { address: "127.0.0.1", family: 4 },
        ]),
      ),
      true,
    ),
    /loopback address \(127\.0\.0\.1\)/,
  );
  await assert.rejects(run(publicOnlyLookup(answer([{ address: "::ffff:169.254.169.254", family: 6 }])), false), /link-local/);
  await assert.rejects(run(publicOnlyLookup(answer([{ address: "fd00::1", family: 6 }])), true), /private/);
  assert.deepEqual(await run(publicOnlyLookup(answer([{ address: "93.184.216.34", family: 4 }])), true), [
    { address: "93.184.216.34", family: 4 },
  ]);
  assert.equal(await run(publicOnlyLookup(answer([{ address: "93.184.216.34", family: 4 }])), false), "93.184.216.34");
});
