/**
 * PeerHttp: every HTTP request the OAuth client makes to a URL that a server named (resource_metadata,
 * authorization_servers, metadata endpoints, redirects) goes through one policy and one fetch wrapper, because
 * such URLs are the peer's to choose and the client's network is not:
 *
 * - https only; plain http only to loopback (or with allowInsecureHttp); no other schemes;
 * - no IP literal that is unspecified, multicast or reserved; none that is loopback, private or link-local
 *   (cloud metadata lives at 169.254.169.254) unless the MCP server itself is on an address of that kind or the
 *   caller allows it (allowPrivateNetwork);
 * - redirects are followed by hand, each hop checked against the same policy (at most 5), and only for GET;
 * - every exchange, body included, ends within timeoutMs, and every body is capped (1 MiB by default).
 *
 * Host names are not resolved here: the client runs anywhere fetch does. Pass a fetch that pins DNS results
 * if names that resolve to private addresses must be refused too.
 */
import { race, readCapped } from "../../internal/body.js";
import { TrellisError } from "../../protocol/errors.js";

export interface PeerHttpOptions {
  /** The fetch to use. Default: globalThis.fetch. */
  fetch?: typeof fetch;
  /** Time for one exchange, redirects and body included, in ms. Default 30 000. */
  timeoutMs?: number;
  /** The largest response body accepted, in bytes. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Allow plain http to hosts that are not loopback. Default false. */
  allowInsecureHttp?: boolean;
  /** Allow loopback, private and link-local addresses whatever the MCP server's own address is. Default false. */
  allowPrivateNetwork?: boolean;
  /** Redirects followed for a GET, each checked. Default 5; 0 returns a redirect as the answer. */
  maxRedirects?: number;
}

/** The kinds of address a URL's host can be; only "public" needs no permission. */
export type AddressKind = "public" | "loopback" | "private" | "link-local" | "unspecified" | "reserved";

const MAX_REDIRECTS = 5;
export const DEFAULT_OAUTH_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

function ipv4Kind(a: number, b: number, c = 0): AddressKind {
  if (a === 0) return "unspecified";
  if (a === 127) return "loopback";
  if (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 198 && (b === 18 || b === 19))
  )
    return "private";
  if (a === 169 && b === 254) return "link-local";
  // IETF protocol assignments (192.0.0.0/24) and the documentation ranges are never real servers.
  if ((a === 192 && b === 0 && (c === 0 || c === 2)) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113))
    return "reserved";
  if (a >= 224) return "reserved"; // multicast, reserved, broadcast
  return "public";
}

/** expandIpv6 turns a compressed IPv6 address (as the URL parser leaves it) into its eight 16-bit groups. */
function expandIpv6(v6: string): number[] | undefined {
  let text = v6;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array(Math.max(0, fill)).fill("0"), ...tail].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

/**
 * addressKind classifies a URL hostname as the WHATWG URL parser leaves it: IPv4 in dotted form (it has already
 * turned "2852039166" or "0xa9.0xfe.0xa9.0xfe" into that), IPv6 in brackets and compressed, names in lower case.
 * IPv6 forms that carry an IPv4 address (mapped, compatible, translated, NAT64, 6to4) are judged by that address.
 */
export function addressKind(hostname: string): AddressKind {
  const host = hostname.toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) return ipv4Kind(Number(v4[1]), Number(v4[2]), Number(v4[3]));
  if (!host.startsWith("[")) return "public";
  const g = expandIpv6(host.slice(1, -1));
  if (!g) return "reserved";
  const v4of = (hi: number, lo: number) => ipv4Kind(hi >> 8, hi & 0xff, lo >> 8);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return "unspecified";
  if (zeros(0, 7) && g[7] === 1) return "loopback";
  if (zeros(0, 6)) return v4of(g[6]!, g[7]!); // ::a.b.c.d (IPv4-compatible, deprecated)
  if (zeros(0, 5) && g[5] === 0xffff) return v4of(g[6]!, g[7]!); // ::ffff:a.b.c.d (mapped)
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return v4of(g[6]!, g[7]!); // ::ffff:0:a.b.c.d (translated)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4of(g[6]!, g[7]!); // 64:ff9b::/96 (NAT64)
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return "private"; // 64:ff9b:1::/48 (local NAT64)
  if (g[0] === 0x2002) return v4of(g[1]!, g[2]!); // 2002::/16 (6to4)
  if (g[0] === 0x2001 && g[1] === 0) return "reserved"; // 2001::/32 (Teredo: an obfuscated IPv4)
  if (g[0] === 0x2001 && g[1] === 0xdb8) return "reserved"; // documentation
  if (g[0] === 0x100 && zeros(1, 4)) return "reserved"; // 100::/64 (discard)
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return "private"; // fc00::/7
  if ((first & 0xffc0) === 0xfe80) return "link-local"; // fe80::/10
  if ((first & 0xffc0) === 0xfec0) return "private"; // fec0::/10 (site-local, deprecated)
  if ((first & 0xff00) === 0xff00) return "reserved"; // multicast
  return "public";
}

export class PeerHttp {
  readonly #homeKind: AddressKind;
  readonly #opts: PeerHttpOptions;
  readonly #fetch: typeof fetch;

  /** `home` is the MCP server's URL, the one the user chose; everything else is named by peers. */
  constructor(home: string | URL, options: PeerHttpOptions = {}) {
    this.#homeKind = addressKind(new URL(home).hostname);
    this.#opts = options;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** check returns the parsed URL when the policy allows fetching it, and throws TrellisError UNSAFE_URL when not. */
  check(url: string | URL, what: string): URL {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new TrellisError("UNSAFE_URL", `${what} ${JSON.stringify(String(url))} is not a URL`);
    }
    if (u.protocol !== "https:" && u.protocol !== "http:")
      throw new TrellisError("UNSAFE_URL", `${what} ${u.href} uses ${u.protocol}; only https is allowed`);
    const kind = addressKind(u.hostname);
    if (kind === "unspecified" || kind === "reserved") throw new TrellisError("UNSAFE_URL", `${what} ${u.href} names a ${kind} address`);
    if (kind !== "public" && kind !== this.#homeKind && !this.#opts.allowPrivateNetwork) {
      throw new TrellisError(
        "UNSAFE_URL",
        `${what} ${u.href} is a ${kind} address and the MCP server is not; refusing it (allowPrivateNetwork allows it)`,
      );
    }
    if (u.protocol === "http:" && kind !== "loopback" && !this.#opts.allowInsecureHttp) {
      throw new TrellisError(
        "UNSAFE_URL",
        `${what} ${u.href} is not https; OAuth endpoints must use TLS (plain http is allowed on loopback, or with allowInsecureHttp)`,
      );
    }
    return u;
  }

  /**
   * fetch is a fetch with the policy: the URL is checked, GET redirects are followed one checked hop at a time,
   * and the response comes back with its body already read (within the deadline and the size cap), so nothing
   * that reads it later can hang. Failures are TrellisErrors: UNSAFE_URL, REQUEST_TIMEOUT, RESPONSE_TOO_LARGE.
   */
  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const timeoutMs = this.#opts.timeoutMs ?? DEFAULT_OAUTH_TIMEOUT_MS;
    const deadline = new AbortController();
    const timer = setTimeout(
      () =>
        deadline.abort(
          new TrellisError(
            "REQUEST_TIMEOUT",
            `no complete answer from ${String(input instanceof Request ? input.url : input)} within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    const signal = init.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
    const method = (init.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    let url = this.check(input instanceof Request ? input.url : input, "URL");
    try {
      for (let hop = 0; ; hop++) {
        const res = await race(this.#fetch(url, { ...init, redirect: "manual", signal }), signal);
        const location = res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
        const maxRedirects = this.#opts.maxRedirects ?? MAX_REDIRECTS;
        if (location === null || method !== "GET" || maxRedirects === 0) return await this.#buffered(res, url, signal);
        await res.body?.cancel().catch(() => {});
        if (hop >= maxRedirects) throw new TrellisError("UNSAFE_URL", `too many redirects from ${url.href}`);
        url = this.check(new URL(location, url), `redirect from ${url.href} to`);
      }
    } catch (err) {
      throw signal.aborted && !(err instanceof TrellisError) ? (signal.reason as Error) : err;
    } finally {
      clearTimeout(timer);
    }
  };

  /** Reads the whole body under the cap and the deadline, and returns an equivalent Response holding it. */
  async #buffered(res: Response, url: URL, signal: AbortSignal): Promise<Response> {
    const max = this.#opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const tooLarge = () => new TrellisError("RESPONSE_TOO_LARGE", `the answer from ${url.href} is larger than ${max} bytes; refusing it`);
    if (Number(res.headers.get("content-length") ?? 0) > max) {
      await res.body?.cancel().catch(() => {});
      throw tooLarge();
    }
    const body = await readCapped(res.body, max, { signal, tooLarge });
    const size = body.byteLength;
    const nullBody =
      res.status === 204 || res.status === 205 || res.status === 304 || (res.status >= 300 && res.status < 400 && size === 0);
    const copy = new Response(nullBody ? null : (body as Uint8Array<ArrayBuffer>), {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
    Object.defineProperty(copy, "url", { value: url.href });
    return copy;
  }
}
