/**
 * The Content-Security-Policy a host applies to a view: the spec's restrictive default when the view declares
 * nothing, and otherwise the spec's formula over the declared domains — never looser. Every declared domain is
 * checked again here (a host must not trust a server's metadata), and one that fails is dropped, not repaired.
 */
import { checkDomain, type UiCsp, type UiPermissions } from "./apps.js";

/** The policy for a view that declares no `csp` (apps.mdx, "Security"). */
export const DEFAULT_VIEW_CSP =
  "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self' data:; connect-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'self'";

/** What buildCsp granted: the domains it kept of each kind, and those it dropped with the reason. */
export interface CspGrant {
  policy: string;
  granted: Required<UiCsp>;
  dropped: Array<{ kind: keyof UiCsp; domain: unknown; reason: string }>;
}

const KINDS = ["connectDomains", "resourceDomains", "frameDomains", "baseUriDomains"] as const;

/**
 * buildCsp turns a view's declared `csp` into the policy the sandbox enforces. `frameAncestors`, when given, adds
 * `frame-ancestors` (only an HTTP header can carry it), so the sandbox can be framed only by the host.
 */
export function buildCsp(csp: UiCsp | undefined, options: { frameAncestors?: string[] } = {}): CspGrant {
  const granted: Required<UiCsp> = { connectDomains: [], resourceDomains: [], frameDomains: [], baseUriDomains: [] };
  const dropped: CspGrant["dropped"] = [];
  const declared = typeof csp === "object" && csp !== null;
  for (const kind of KINDS) {
    const list = declared ? (csp as Record<string, unknown>)[kind] : undefined;
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      dropped.push({ kind, domain: list, reason: "must be a list of origins" });
      continue;
    }
    for (const d of list.slice(0, 64)) {
      const problem = checkDomain(d, kind);
      const wildcardOutsideResources = typeof d === "string" && d.includes("*") && kind !== "resourceDomains";
      if (problem || wildcardOutsideResources)
        dropped.push({ kind, domain: d, reason: problem ?? "wildcards are for resourceDomains only" });
      else if (!granted[kind].includes(d as string)) granted[kind].push(d as string);
    }
  }
  const ancestors = (options.frameAncestors ?? []).filter((a) => !checkDomain(a));
  const tail = ancestors.length ? `; frame-ancestors ${ancestors.join(" ")}` : "";
  if (!declared) return { policy: DEFAULT_VIEW_CSP + tail, granted, dropped };
  const r = granted.resourceDomains.join(" ");
  const sp = (list: string) => (list ? ` ${list}` : "");
  const policy = [
    "default-src 'none'",
    `script-src 'self' 'unsafe-inline'${sp(r)}`,
    `style-src 'self' 'unsafe-inline'${sp(r)}`,
    `connect-src 'self'${sp(granted.connectDomains.join(" "))}`,
    `img-src 'self' data:${sp(r)}`,
    `font-src 'self'${sp(r)}`,
    `media-src 'self' data:${sp(r)}`,
    `frame-src ${granted.frameDomains.join(" ") || "'none'"}`,
    "object-src 'none'",
    `base-uri ${granted.baseUriDomains.join(" ") || "'self'"}`,
  ].join("; ");
  return { policy: policy + tail, granted, dropped };
}

/** allowAttribute is the iframe `allow` value for the permissions a host grants ("" for none). */
export function allowAttribute(permissions: UiPermissions | undefined): string {
  if (!permissions || typeof permissions !== "object") return "";
  const names: Array<[keyof UiPermissions, string]> = [
    ["camera", "camera"],
    ["microphone", "microphone"],
    ["geolocation", "geolocation"],
    ["clipboardWrite", "clipboard-write"],
  ];
  return names
    .filter(([k]) => permissions[k] !== undefined)
    .map(([, v]) => v)
    .join("; ");
}
