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
/** One tool's latest call: whether it is still out, and what came back. */
interface Run {
  busy: boolean;
  result?: Json;
  error?: string;
  viewId?: string;
}

/**
 * Tools: calls are independent — one that waits (for a question to the person, for a slow server) leaves every
 * other tool callable, and each tool keeps its own latest result. Only a tool whose own call is still out has its
 * Call disabled, and the page says so next to the button.
 */
export function Tools(props: { conn: Conn; onTask(t: Json): void }) {
  const [tools, setTools] = useState<Json[]>([]);
  const [listError, setListError] = useState("");
  const [sel, setSel] = useState<Json | undefined>();
  const [args, setArgs] = useState<Json>({});
  const [runs, setRuns] = useState<Record<string, Run>>({});
  useEffect(() => {
    request(props.conn.id, "tools/list").then(
      (r) => setTools(r.tools as Json[]),
      (e: Error) => setListError(e.message),
    );
  }, [props.conn.id]);
  const pick = (t: Json) => {
    setSel(t);
    setArgs(defaults(t.inputSchema as Schema));
  };
  const call = async (tool: Json, args: Json, asTask: boolean) => {
    const name = String(tool.name);
    const update = (run: Run) => setRuns((old) => ({ ...old, [name]: run }));
    update({ busy: true });
    const progressToken = `dash-${crypto.randomUUID()}`;
    try {
      if (!asTask && props.conn.apps && viewOf(tool)) {
        // A tool with a view goes through the view host, which opens the view for its result.
        const r = await fetch(`/apps/${token}/${props.conn.id}/tools/call`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name, arguments: args, toolCallId: crypto.randomUUID() }),
        });
        const body = (await r.json()) as Json;
        if (!r.ok) throw new Error(String(body.error ?? r.status));
        update({ busy: false, result: body.result as Json, viewId: body.viewId as string | undefined });
        return;
      }
      const params: Json = { name, arguments: args, _meta: { progressToken } };
      if (asTask) params.task = {};
      const r = await request(props.conn.id, "tools/call", params);
      if (asTask && r.task) {
        props.onTask({ ...(r.task as Json), progressToken, tool: name });
        update({ busy: false });
      } else update({ busy: false, result: r });
    } catch (e) {
      update({ busy: false, error: (e as Error).message });
    }
  };
  const run: Run = (sel && runs[String(sel.name)]) || { busy: false };
  const taskSupport = (sel?.execution as Json | undefined)?.taskSupport as string | undefined;
  const why = run.busy
    ? "Waiting for this call's answer (a question above may need you); other tools can be called meanwhile."
    : taskSupport === "required"
      ? "This tool runs only as a task: use Run as task."
      : "";
  return html`<div class="cols">
    <ul class="items" aria-label="Tools">${tools.map(
      (t) =>
        html`<li><button aria-current=${sel?.name === t.name} onClick=${() => pick(t)}>${String(t.title ?? t.name)}${
          runs[String(t.name)]?.busy ? html` <span class="hint" aria-hidden="true">· waiting</span>` : ""
        }</button></li>`,
    )}</ul>
    <div>${listError ? html`<div class="block error" role="alert">${listError}</div>` : ""}${
      sel
        ? html`<h3>${String(sel.name)}</h3><p class="hint">${String(sel.description ?? "")}</p>
        <form onSubmit=${(e: Event) => {
          e.preventDefault();
          void call(sel, args, false);
        }}>
          <${SchemaForm} schema=${sel.inputSchema as Schema} value=${args} onChange=${setArgs} />
          <p><button class="primary" type="submit" disabled=${run.busy || taskSupport === "required"} aria-describedby="call-why">Call</button>${
            taskSupport && taskSupport !== "forbidden"
              ? html` <button type="button" disabled=${run.busy} onClick=${() => void call(sel, args, true)}>Run as task</button>`
              : ""
          } <span id="call-why" class="hint" data-call-why>${why}</span></p>
        </form>
        <${Result} result=${run.result} error=${run.error} />
        ${run.viewId ? html`<${AppView} key=${run.viewId} conn=${props.conn} viewId=${run.viewId} />` : ""}`
        : html`<p class="hint">Pick a tool.</p>`
    }</div></div>`;
}
