/**
 * Fetching a client's metadata document without being turned against this server's network: the name is resolved
 * once, every address it resolves to must be public, and the connection goes to that very address (no second
 * resolution for a rebinding DNS server to answer differently).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { addressKind } from "../client/peer-http.js";

type Resolver = (hostname: string, options: { all: true }, callback: (err: Error | null, addresses: LookupAddress[]) => void) => void;

/**
 * publicOnlyLookup is a socket `lookup` that resolves a name once and refuses it when any address it gets is not
 * public. The connection then goes to that very address: there is no second resolution for a rebinding DNS
 * server to answer differently.
 */
export function publicOnlyLookup(resolve: Resolver = dnsLookup as unknown as Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const bad = addresses.find((a) => addressKind(a.family === 6 ? `[${a.address}]` : a.address) !== "public");
      if (bad || addresses.length === 0) {
        const e = Object.assign(
          new Error(
            `${hostname} resolves to ${bad ? `a ${addressKind(bad.family === 6 ? `[${bad.address}]` : bad.address)} address (${bad.address})` : "nothing"}; refusing it`,
          ),
          {
            code: "EUNSAFEADDRESS",
          },
        );
        return callback(e, "", 0);
      }
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** pinnedFetch: a GET over https whose connection goes only to public addresses (publicOnlyLookup). */
export function pinnedFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const req = httpsRequest(url, { method: "GET", headers, lookup: publicOnlyLookup(), signal: init.signal ?? undefined }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > 1024 * 1024) req.destroy(new Error("the document is larger than 1 MiB"));
        else chunks.push(c);
      });
      res.on("end", () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(", ") : v);
        const status = res.statusCode ?? 502;
        resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: h }));
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}
