/**
 * The everything example's MCP App: a dice roller. `show_dice` (the model calls it) opens the view; the view's
 * button calls `roll_dice`, a tool only views may call. The view speaks the Apps protocol by hand in a few dozen
 * lines (no SDK), so it shows what is on the wire; it keeps its roll history in the host's view state when the
 * host offers it (Trellis hosts do), so it comes back when the view is shown again.
 */
import type { AppsServerApi } from "trellis-mcp/apps";

export const DICE_VIEW_URI = "ui://everything/dice.html";

const script = `
const pending = new Map();
let nextId = 1;
let stateOn = false;
let history = [];
const $ = (id) => document.getElementById(id);
function send(m) { window.parent.postMessage(m, "*"); }
function request(method, params) {
  const id = nextId++;
  send({ jsonrpc: "2.0", id, method, params });
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}
function resize() {
  send({ jsonrpc: "2.0", method: "ui/notifications/size-changed", params: { width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight } });
}
function render() {
  $("history").textContent = history.length ? "Rolls so far: " + history.join(", ") : "No rolls yet";
  resize();
}
window.addEventListener("message", async (e) => {
  if (e.source !== window.parent) return;
  const m = e.data;
  if (!m || m.jsonrpc !== "2.0") return;
  if (m.id !== undefined && !m.method) {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (p) m.error ? p.reject(new Error(m.error.message)) : p.resolve(m.result);
    return;
  }
  if (m.method === "ui/notifications/tool-input") $("input").textContent = "Asked for: " + JSON.stringify(m.params.arguments || {});
  else if (m.method === "ui/notifications/tool-result") {
    const s = m.params.structuredContent;
    $("status").textContent = s && s.sides ? "Ready: a " + s.sides + "-sided die" : "Ready";
    render();
  } else if (m.method === "ui/notifications/tool-cancelled") $("status").textContent = "Cancelled: " + (m.params.reason || "");
  else if (m.method === "ui/notifications/host-context-changed" && m.params.theme) document.body.dataset.theme = m.params.theme;
  else if (m.method === "ui/resource-teardown") send({ jsonrpc: "2.0", id: m.id, result: {} });
  else if (m.method === "ping") send({ jsonrpc: "2.0", id: m.id, result: {} });
  else if (m.id !== undefined) send({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "method not found" } });
});
$("roll").addEventListener("click", async () => {
  $("roll").disabled = true;
  try {
    const r = await request("tools/call", { name: "roll_dice", arguments: {} });
    const value = r.structuredContent ? r.structuredContent.value : r.content[0].text;
    $("result").textContent = "You rolled " + value;
    history.push(value);
    if (stateOn) await request("dev.trellis/view-state/set", { state: { history } });
    render();
  } catch (err) {
    $("result").textContent = "Error: " + err.message;
  } finally {
    $("roll").disabled = false;
  }
});
(async () => {
  const init = await request("ui/initialize", { appInfo: { name: "everything-dice", version: "1.0.0" }, appCapabilities: {}, protocolVersion: "2026-01-26" });
  if (init.hostContext && init.hostContext.theme) document.body.dataset.theme = init.hostContext.theme;
  stateOn = !!(init.hostCapabilities.experimental && init.hostCapabilities.experimental["dev.trellis/view-state"]);
  send({ jsonrpc: "2.0", method: "ui/notifications/initialized" });
  if (stateOn) {
    const saved = await request("dev.trellis/view-state/get", {});
    if (saved.state && Array.isArray(saved.state.history)) history = saved.state.history;
  }
  render();
})();
`;

export const DICE_VIEW_HTML = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; padding: 16px; color: #1f2328; background: #fff; }
  body[data-theme="dark"] { color: #e6edf3; background: #0d1117; }
  h1 { font-size: 17px; margin: 0 0 8px; }
  button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid #1f883d; background: #1f883d; color: #fff; cursor: pointer; }
  #result { font-size: 20px; font-weight: 600; margin: 10px 0 4px; min-height: 1.4em; }
  .muted { color: #656d76; }
</style>
</head>
<body>
  <h1>Dice roller</h1>
  <div id="status" class="muted">Waiting for the tool…</div>
  <div id="input" class="muted"></div>
  <p><button id="roll">Roll</button></p>
  <div id="result"></div>
  <div id="history" class="muted"></div>
  <script>${script}</script>
</body>
</html>
`;

/** addDiceApp registers the view and its two tools (`apps` is what `server.use(appsServer())` returned). */
export function addDiceApp(apps: AppsServerApi): void {
  apps.registerView(DICE_VIEW_URI, {
    name: "Dice roller",
    description: "An interactive dice roller",
    html: DICE_VIEW_HTML,
    csp: {},
    prefersBorder: true,
  });
  apps.registerAppTool(
    "show_dice",
    {
      title: "Show the dice roller",
      description: "Shows an interactive dice roller the user can roll",
      inputSchema: { type: "object", properties: { sides: { type: "integer", minimum: 2, maximum: 100, default: 6 } } },
      outputSchema: { type: "object", properties: { sides: { type: "integer" } }, required: ["sides"] },
      view: DICE_VIEW_URI,
    },
    (args) => {
      const sides = (args.sides as number | undefined) ?? 6;
      return {
        content: [{ type: "text", text: `A ${sides}-sided dice roller is ready; the user can roll it.` }],
        structuredContent: { sides },
      };
    },
  );
  apps.registerAppTool(
    "roll_dice",
    {
      description: "Rolls a six-sided die (for the dice roller view)",
      outputSchema: { type: "object", properties: { value: { type: "integer" } }, required: ["value"] },
      visibility: ["app"],
    },
    () => {
      const value = 1 + Math.floor(Math.random() * 6);
      return { content: [{ type: "text", text: `rolled ${value}` }], structuredContent: { value } };
    },
  );
}
