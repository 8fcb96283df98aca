/**
 * Which links the dashboard opens for a server (URL-mode elicitation): the URL is the server's to choose, and a
 * click on it runs with the dashboard page's rights, so only pages that cannot act in it are opened — https, or
 * plain http to this machine (a server under development) — never `javascript:`, `data:`, `file:` and the like.
 * A URL with a user name or password in it is refused too: `https://bank.example@evil.example/` reads as the bank
 * and goes elsewhere. The dashboard's server checks before asking the person and the page checks again before it
 * draws a link, each with this one function (the page is bundled with it).
 */

export type LinkCheck = { ok: true; href: string; host: string } | { ok: false; reason: string };

/** checkLink says whether the dashboard may open `url`, and if not, why, in words for the person. */
export function checkLink(url: string): LinkCheck {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, reason: "it is not a valid absolute URL" };
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    return { ok: false, reason: `its scheme is ${u.protocol} — only https links (or http to this machine) are opened` };
  if (u.protocol === "http:" && !isLoopback(u.hostname))
    return { ok: false, reason: `it is plain http to ${u.hostname} — only https is opened, and http only to this machine` };
  if (u.username !== "" || u.password !== "")
    return {
      ok: false,
      reason: "it carries a user name or password before the host (user:pass@…), which can disguise where a link goes",
    };
  return { ok: true, href: u.href, host: u.host };
}

/** isLoopback: a host name that stays on this machine — 127.0.0.0/8, [::1], localhost (as `new URL` writes them). */
function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
