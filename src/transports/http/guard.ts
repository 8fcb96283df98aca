/**
 * Request guards for Streamable HTTP, as pure functions: Host and Origin checks against DNS rebinding
 * (transports.mdx, "Security Warning"), and the Accept / Content-Type rules. Each returns undefined when
 * the request passes, or the reason it does not.
 */

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** hostnameOf returns the hostname of a Host header value ("example.com:8080" -> "example.com"). */
export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname);
}

/**
 * checkHost validates the Host header. `allowed` lists hostnames (any port) or host:port pairs; "any"
 * turns the check off (for servers behind a proxy that checks instead).
 */
export function checkHost(host: string | null, allowed: readonly string[] | "any"): string | undefined {
  if (allowed === "any") return undefined;
  if (!host) return "missing Host header";
  const h = host.trim().toLowerCase();
  const name = hostnameOf(h);
  if (allowed.includes(h) || allowed.includes(name)) return undefined;
  return `Host ${JSON.stringify(host)} is not allowed; add it to allowedHosts to serve it`;
}

/**
 * checkOrigin validates the Origin header: absent is fine (not a browser), present must be listed.
 * `allowed` lists origins ("https://app.example.com") or hostnames, which match any scheme and port.
 */
export function checkOrigin(origin: string | null, allowed: readonly string[] | "any"): string | undefined {
  if (origin === null || allowed === "any") return undefined;
  const o = origin.trim().toLowerCase();
  if (allowed.includes(o)) return undefined;
  let hostname: string;
  try {
    hostname = new URL(o).hostname;
  } catch {
    return `Origin ${JSON.stringify(origin)} is not a valid origin`;
  }
  const bracketed = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  if (allowed.includes(hostname) || allowed.includes(bracketed)) return undefined;
  return `Origin ${JSON.stringify(origin)} is not allowed; add it to allowedOrigins to accept browser requests from it`;
}

/** accepts tells whether an Accept header admits `type` (wildcards count). */
export function accepts(accept: string | null, type: string): boolean {
  if (!accept) return false;
  const [major] = type.split("/");
  for (const part of accept.split(",")) {
    const t = part.split(";")[0]!.trim().toLowerCase();
    if (t === type || t === "*/*" || t === `${major}/*`) return true;
  }
  return false;
}

export function isJsonContentType(contentType: string | null): boolean {
  return !!contentType && contentType.split(";")[0]!.trim().toLowerCase() === "application/json";
}

/** LOOPBACK_NAMES are the hostnames a local server answers to by default. */
export const LOOPBACK_NAMES: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];
