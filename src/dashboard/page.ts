/**
 * The dashboard's HTML: a shell the bundled app (app/main.ts) fills in. No inline script (the page's CSP allows
 * only its own script); the token travels in a data attribute and in the script's URL. The icon is inline too: a
 * browser asks for /favicon.ico by itself, without the token, and the dashboard answers that with a 401 — in the
 * console on every load.
 */
const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16' fill='none' stroke='%230969da' stroke-width='1.6'%3E" +
  "%3Crect x='1.5' y='1.5' width='13' height='13' rx='2'/%3E%3Cpath d='M1.5 8h13M8 1.5v13M1.5 1.5l13 13'/%3E%3C/svg%3E";
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const PAGE = (token: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Trellis dashboard</title>
<link rel="icon" href="${ICON}">
<style>
:root { --bg: #fff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0969da; --bad: #cf222e; --ok: #1a7f37; --panel: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --accent: #4493f8; --bad: #f85149; --ok: #3fb950; --panel: #161b22; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1rem; margin: 0; }
main { display: grid; grid-template-columns: 17rem 1fr; min-height: calc(100vh - 3rem); }
nav { border-right: 1px solid var(--line); padding: .75rem; background: var(--panel); }
section { padding: .75rem 1rem; overflow: auto; }
button, a.button { font: inherit; padding: .3rem .7rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); cursor: pointer; }
a.button { display: inline-block; text-decoration: none; }
button.primary, a.button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button:disabled { opacity: .55; cursor: not-allowed; }
button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, a:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
input, select, textarea { font: inherit; padding: .3rem .4rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); width: 100%; }
input[type=checkbox] { width: auto; }
label { display: block; margin: .4rem 0 .15rem; font-weight: 600; }
.hint { color: var(--muted); font-size: .85em; font-weight: normal; }
.tabs { display: flex; gap: .25rem; border-bottom: 1px solid var(--line); margin-bottom: .75rem; flex-wrap: wrap; }
.tabs button { border: none; border-bottom: 2px solid transparent; border-radius: 0; }
.tabs button[aria-selected=true] { border-bottom-color: var(--accent); font-weight: 600; }
ul.items { list-style: none; padding: 0; margin: 0; }
ul.items li button { width: 100%; text-align: left; border: none; border-bottom: 1px solid var(--line); border-radius: 0; }
ul.items li button[aria-current=true] { background: var(--panel); font-weight: 600; }
.cols { display: grid; grid-template-columns: minmax(12rem, 18rem) 1fr; gap: 1rem; }
.block { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; margin: .5rem 0; background: var(--panel); white-space: pre-wrap; word-break: break-word; }
.error { border-color: var(--bad); color: var(--bad); }
pre.message { white-space: pre-wrap; word-break: break-word; margin: .3rem 0 0; }
.ok { color: var(--ok); }
progress { width: 100%; height: 1rem; }
.question { border: 2px solid var(--accent); border-radius: 8px; padding: .75rem; margin: .75rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .9em; }
td, th { border-bottom: 1px solid var(--line); padding: .2rem .4rem; text-align: left; vertical-align: top; }
details > summary { cursor: pointer; }
code, pre { font-family: ui-monospace, monospace; font-size: .9em; }
fieldset { border: 1px solid var(--line); border-radius: 6px; }
ol.stages { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; list-style: none; padding-left: 0; }
ol.steps > li { margin: .4rem 0; }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
form.filters > div { min-width: 9rem; }
</style>
</head>
<body data-token="${escapeHtml(token)}">
<div id="app"><p style="padding:1rem">Loading the Trellis dashboard…</p></div>
<script type="module" src="/app.js?token=${encodeURIComponent(token)}"></script>
</body>
</html>
`;
