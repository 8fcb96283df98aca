/**
 * The Tools tab: the server's tools, a form drawn from the chosen tool's inputSchema, its result (or its task, or
 * its MCP Apps view, rendered through the dashboard's relay in the sandbox on a second origin).
 */
import { html } from "htm/preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { type Conn, type Json, request, token } from "./api.js";
import { Result } from "./content.js";
import { defaults, type Schema, SchemaForm } from "./schema-form.js";

/** The view a tool declares (`_meta.ui.resourceUri`), if any. */
const viewOf = (tool: Json | undefined) => ((tool?._meta as Json | undefined)?.ui as Json | undefined)?.resourceUri as string | undefined;

/** AppView renders an MCP Apps view through the dashboard's relay, in the sandbox on its second origin. */
function AppView(props: { conn: Conn; viewId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let mounted: { close?: () => unknown } | undefined;
    (async () => {
      // Loaded from the dashboard at run time (the Apps browser module), not bundled into this page.
      const where = `/apps/browser.js?token=${encodeURIComponent(token)}`;
      const browser = (await import(where)) as {
        mountView(el: HTMLElement, o: unknown): Promise<{ close?: () => unknown }>;
        relayConnection(base: string, id: string): unknown;
      };
      mounted = await browser.mountView(ref.current!, {
        connection: browser.relayConnection(`/apps/${token}/${props.conn.id}`, props.viewId),
        sandboxUrl: props.conn.apps!.sandboxUrl,
      });
    })().catch((e: Error) => setError(e.message));
    return () => void mounted?.close?.();
  }, [props.viewId]);
  return html`<div><h4>View</h4>${error ? html`<div class="block error" role="alert">${error}</div>` : ""}<div ref=${ref} data-view=${props.viewId}></div></div>`;
}
export function Tools(props: { conn: Conn; onTask(t: Json): void }) {
  const [tools, setTools] = useState<Json[]>([]);
  const [sel, setSel] = useState<Json | undefined>();
  const [args, setArgs] = useState<Json>({});
  const [out, setOut] = useState<{ result?: Json; error?: string }>({});
  const [viewId, setViewId] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    request(props.conn.id, "tools/list").then(
      (r) => setTools(r.tools as Json[]),
      (e: Error) => setOut({ error: e.message }),
    );
  }, [props.conn.id]);
  const pick = (t: Json) => {
    setSel(t);
    setArgs(defaults(t.inputSchema as Schema));
    setOut({});
  };
  const call = async (asTask: boolean) => {
    if (!sel) return;
    setBusy(true);
    setOut({});
    setViewId(undefined);
    const progressToken = `dash-${Date.now()}`;
    try {
      if (!asTask && props.conn.apps && viewOf(sel)) {
        // A tool with a view goes through the view host, which opens the view for its result.
        const r = await fetch(`/apps/${token}/${props.conn.id}/tools/call`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: sel.name, arguments: args, toolCallId: crypto.randomUUID() }),
        });
        const body = (await r.json()) as Json;
        if (!r.ok) throw new Error(String(body.error ?? r.status));
        setOut({ result: body.result as Json });
        setViewId(body.viewId as string | undefined);
        return;
      }
      const params: Json = { name: sel.name, arguments: args, _meta: { progressToken } };
      if (asTask) params.task = {};
      const r = await request(props.conn.id, "tools/call", params);
      if (asTask && r.task) props.onTask({ ...(r.task as Json), progressToken, tool: sel.name });
      else setOut({ result: r });
    } catch (e) {
      setOut({ error: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const taskSupport = (sel?.execution as Json | undefined)?.taskSupport as string | undefined;
  return html`<div class="cols">
    <ul class="items" aria-label="Tools">${tools.map(
      (t) => html`<li><button aria-current=${sel?.name === t.name} onClick=${() => pick(t)}>${String(t.title ?? t.name)}</button></li>`,
    )}</ul>
    <div>${
      sel
        ? html`<h3>${String(sel.name)}</h3><p class="hint">${String(sel.description ?? "")}</p>
        <form onSubmit=${(e: Event) => {
          e.preventDefault();
          void call(false);
        }}>
          <${SchemaForm} schema=${sel.inputSchema as Schema} value=${args} onChange=${setArgs} />
          <p><button class="primary" type="submit" disabled=${busy || taskSupport === "required"}>Call</button>
          ${taskSupport && taskSupport !== "forbidden" ? html` <button type="button" disabled=${busy} onClick=${() => void call(true)}>Run as task</button>` : ""}</p>
        </form>
        <${Result} ...${out} />
        ${viewId ? html`<${AppView} key=${viewId} conn=${props.conn} viewId=${viewId} />` : ""}`
        : html`<p class="hint">Pick a tool.</p>`
    }</div></div>`;
}
