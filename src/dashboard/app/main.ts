/**
 * The dashboard page (bundled with preact and htm into dashboard-app.js): connections on the left, the selected
 * server's tools, resources, prompts, tasks, roots, logs and protocol in tabs, and the questions servers ask the
 * person (elicitation, sampling) on top. Everything goes through the dashboard's API; nothing is fetched elsewhere.
 */
import { html } from "htm/preact";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, type Conn, type Event_, type Json, request, useEvents } from "./api.js";
import { Content, Result } from "./content.js";
import { Connect } from "./connect.js";
import { Audit, OAuthFlow } from "./oauth.js";
import { Question } from "./questions.js";
import { Tools } from "./tools.js";
import { type Schema, SchemaForm } from "./schema-form.js";

function Resources(props: { conn: Conn }) {
  const [items, setItems] = useState<Json[]>([]);
  const [templates, setTemplates] = useState<Json[]>([]);
  const [uri, setUri] = useState("");
  const [template, setTemplate] = useState<string | undefined>();
  const [vars, setVars] = useState<Json>({});
  const [out, setOut] = useState<{ contents?: Json[]; error?: string }>({});
  const variable = (n: string) => n.split(",")[0]!.replace(/\*$|:\d+$/, "");
  const names = template ? [...template.matchAll(/\{[+#./;?&]?([^}]+)\}/g)].map((m) => variable(m[1]!)) : [];
  const fill = (t: string, v: Json) =>
    t.replace(/\{[+#./;?&]?([^}]+)\}/g, (_, n: string) => encodeURIComponent(String(v[variable(n)] ?? "")));
  const completeVar = async (name: string, value: string): Promise<string[]> => {
    if (!props.conn.capabilities?.completions || !template) return [];
    const r = await request(props.conn.id, "completion/complete", {
      ref: { type: "ref/resource", uri: template },
      argument: { name, value },
    });
    return ((r.completion as Json | undefined)?.values as string[]) ?? [];
  };
  useEffect(() => {
    request(props.conn.id, "resources/list").then(
      (r) => setItems(r.resources as Json[]),
      () => {},
    );
    request(props.conn.id, "resources/templates/list").then(
      (r) => setTemplates(r.resourceTemplates as Json[]),
      () => {},
    );
  }, [props.conn.id]);
  const read = async (u: string) => {
    setUri(u);
    try {
      setOut({ contents: (await request(props.conn.id, "resources/read", { uri: u })).contents as Json[] });
    } catch (e) {
      setOut({ error: (e as Error).message });
    }
  };
  return html`<div class="cols">
    <div><ul class="items" aria-label="Resources">${items.map((r) => html`<li><button onClick=${() => void read(String(r.uri))}>${String(r.name ?? r.uri)}</button></li>`)}</ul>
    <h4>Templates</h4><ul class="items">${templates.map(
      (t) =>
        html`<li><button aria-current=${template === t.uriTemplate} onClick=${() => {
          setTemplate(String(t.uriTemplate));
          setVars({});
          setUri(String(t.uriTemplate));
        }}>${String(t.uriTemplate)}</button></li>`,
    )}</ul></div>
    <div>${
      template
        ? html`<form aria-label="Template variables" onSubmit=${(e: Event) => {
            e.preventDefault();
            void read(fill(template, vars));
          }}><${SchemaForm} schema=${{ type: "object", properties: Object.fromEntries(names.map((n) => [n, { type: "string" }])), required: names }}
            value=${vars} onChange=${(v: Json) => {
              setVars(v);
              setUri(fill(template, v));
            }} complete=${completeVar} /><p><button class="primary" type="submit">Read from the template</button></p></form>`
        : ""
    }
    <form onSubmit=${(e: Event) => {
      e.preventDefault();
      void read(uri);
    }}><label for="res-uri">URI</label><input id="res-uri" value=${uri} onInput=${(e: Event) => setUri((e.target as HTMLInputElement).value)} />
      <p><button class="primary" type="submit">Read</button></p></form>
      ${out.error ? html`<div class="block error" role="alert">${out.error}</div>` : ""}
      ${(out.contents ?? []).map((c) => html`<div class="block"><strong>${String(c.uri)}</strong> <span class="hint">${String(c.mimeType ?? "")}</span>\n${typeof c.text === "string" ? c.text : `[${String(c.blob ?? "").length} base64 characters]`}</div>`)}
    </div></div>`;
}

function Prompts(props: { conn: Conn }) {
  const [prompts, setPrompts] = useState<Json[]>([]);
  const [sel, setSel] = useState<Json | undefined>();
  const [args, setArgs] = useState<Json>({});
  const [out, setOut] = useState<{ messages?: Json[]; error?: string }>({});
  useEffect(() => {
    request(props.conn.id, "prompts/list").then(
      (r) => setPrompts(r.prompts as Json[]),
      () => {},
    );
  }, [props.conn.id]);
  const schema: Schema = {
    type: "object",
    properties: Object.fromEntries(
      ((sel?.arguments as Json[]) ?? []).map((a) => [String(a.name), { type: "string", description: a.description as string }]),
    ),
    required: ((sel?.arguments as Json[]) ?? []).filter((a) => a.required).map((a) => String(a.name)),
  };
  const complete = async (name: string, value: string): Promise<string[]> => {
    if (!props.conn.capabilities?.completions || !sel) return [];
    const r = await request(props.conn.id, "completion/complete", {
      ref: { type: "ref/prompt", name: sel.name },
      argument: { name, value },
      context: { arguments: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)])) },
    });
    return ((r.completion as Json | undefined)?.values as string[]) ?? [];
  };
  const get = async () => {
    try {
      setOut({ messages: (await request(props.conn.id, "prompts/get", { name: sel!.name, arguments: args })).messages as Json[] });
    } catch (e) {
      setOut({ error: (e as Error).message });
    }
  };
  return html`<div class="cols">
    <ul class="items" aria-label="Prompts">${prompts.map(
      (p) =>
        html`<li><button aria-current=${sel?.name === p.name} onClick=${() => {
          setSel(p);
          setArgs({});
          setOut({});
        }}>${String(p.name)}</button></li>`,
    )}</ul>
    <div>${
      sel
        ? html`<form onSubmit=${(e: Event) => {
            e.preventDefault();
            void get();
          }}><${SchemaForm} schema=${schema} value=${args} onChange=${setArgs} complete=${complete} /><p><button class="primary" type="submit">Get</button></p></form>
      ${out.error ? html`<div class="block error" role="alert">${out.error}</div>` : ""}
      ${(out.messages ?? []).map((m) => html`<div><strong>${String(m.role)}</strong><${Content} blocks=${[m.content as Json]} /></div>`)}`
        : html`<p class="hint">Pick a prompt.</p>`
    }</div></div>`;
}

/** Tasks started from this page: live status, a progress bar from the task's progress notifications, cancel, result. */
function Tasks(props: { conn: Conn; tasks: Json[]; events: Event_[] }) {
  const [results, setResults] = useState<Record<string, { result?: Json; error?: string }>>({});
  const mine = props.tasks.filter((t) => t.conn === props.conn.id);
  const latest = (t: Json) => {
    let status = t as Json;
    let progress: Json | undefined;
    for (const e of props.events) {
      if (e.type !== "message" || e.conn !== props.conn.id || e.dir !== "in") continue;
      const m = e.message as Json;
      const p = m.params as Json | undefined;
      if (m.method === "notifications/tasks/status" && p?.taskId === t.taskId) status = { ...status, ...p };
      if (m.method === "notifications/progress" && p?.progressToken === t.progressToken) progress = p;
    }
    return { status, progress };
  };
  const act = async (t: Json, method: string) => {
    try {
      const r = await request(props.conn.id, method, { taskId: t.taskId });
      if (method === "tasks/result") setResults((o) => ({ ...o, [String(t.taskId)]: { result: r } }));
    } catch (e) {
      setResults((o) => ({ ...o, [String(t.taskId)]: { error: (e as Error).message } }));
    }
  };
  if (mine.length === 0) return html`<p class="hint">Tasks you start from the Tools tab ("Run as task") appear here.</p>`;
  return html`${mine.map((t) => {
    const { status, progress } = latest(t);
    const done = ["completed", "failed", "cancelled"].includes(String(status.status));
    const pct = progress?.total
      ? Math.round((Number(progress.progress) / Number(progress.total)) * 100)
      : done && status.status === "completed"
        ? 100
        : undefined;
    return html`<div class="block" data-task=${t.taskId}>
      <strong>${String(t.tool)}</strong> <code>${String(t.taskId)}</code> — <span data-status>${String(status.status)}</span>
      ${status.statusMessage ? html` <span class="hint">${String(status.statusMessage)}</span>` : ""}
      <div><progress aria-label=${`progress of ${t.tool}`} max="100" value=${pct ?? 0}></progress> <span data-percent>${pct === undefined ? "" : `${pct}%`}</span></div>
      <p>${done ? "" : html`<button onClick=${() => void act(t, "tasks/cancel")}>Cancel</button> `}
      <button onClick=${() => void act(t, "tasks/result")}>${done ? "Result" : "Wait for the result"}</button></p>
      <${Result} ...${results[String(t.taskId)] ?? {}} />
    </div>`;
  })}`;
}

function Protocol(props: { events: Event_[]; conn: Conn }) {
  const rows = props.events.filter((e) => e.type === "message" && e.conn === props.conn.id).slice(-500);
  return html`<table aria-label="JSON-RPC messages"><thead><tr><th>time</th><th>dir</th><th>message</th></tr></thead><tbody>
    ${rows.map((e) => {
      const m = e.message as Json;
      const what = m.method ? String(m.method) : m.error ? `error for ${m.id}` : `result for ${m.id}`;
      return html`<tr><td>${new Date(e.at).toLocaleTimeString()}</td><td>${e.dir === "out" ? "→" : "←"}</td>
        <td><details><summary>${what}</summary><pre>${JSON.stringify(m, null, 2)}</pre></details></td></tr>`;
    })}</tbody></table>`;
}

function Logs(props: { events: Event_[]; conn: Conn }) {
  const rows = props.events.filter(
    (e) =>
      e.conn === props.conn.id &&
      (e.type === "stderr" ||
        (e.type === "message" && e.dir === "in" && String((e.message as Json).method ?? "").startsWith("notifications/"))),
  );
  return html`<div aria-live="polite">${rows.slice(-300).map((e) => {
    if (e.type === "stderr") return html`<div><code>stderr</code> ${String(e.line)}</div>`;
    const m = e.message as Json;
    const p = (m.params ?? {}) as Json;
    return html`<div><code>${String(m.method)}</code> ${m.method === "notifications/message" ? `[${p.level}] ${typeof p.data === "string" ? p.data : JSON.stringify(p.data)}` : JSON.stringify(p)}</div>`;
  })}</div>`;
}

function Roots(props: { conn: Conn }) {
  const [roots, setRoots] = useState<{ uri: string; name?: string }[]>([]);
  const [uri, setUri] = useState("file:///");
  const save = (next: { uri: string; name?: string }[]) => {
    setRoots(next);
    void api("/api/roots", { conn: props.conn.id, roots: next });
  };
  return html`<form onSubmit=${(e: Event) => {
    e.preventDefault();
    save([...roots, { uri }]);
  }}><label for="root-uri">Root URI</label><input id="root-uri" value=${uri} onInput=${(e: Event) => setUri((e.target as HTMLInputElement).value)} />
    <p><button type="submit">Add root</button></p></form>
    <ul>${roots.map((r, i) => html`<li><code>${r.uri}</code> <button onClick=${() => save(roots.filter((_, j) => j !== i))}>Remove</button></li>`)}</ul>`;
}

const TABS = ["Tools", "Resources", "Prompts", "Tasks", "Roots", "Logs", "Protocol", "OAuth", "Audit"] as const;

function App() {
  const { events, questions } = useEvents();
  const [selected, setSelected] = useState<string | undefined>();
  const [tab, setTab] = useState<(typeof TABS)[number]>("Tools");
  const [tasks, setTasks] = useState<Json[]>([]);
  const [error, setError] = useState("");
  const last = [...events].reverse().find((e) => e.type === "connections");
  const conns = (last?.list as Conn[]) ?? [];
  const conn = conns.find((c) => c.id === selected) ?? conns[0];
  // Sign-ins under way (or failed) show on top until they connect; a connected one lives in its OAuth tab, and
  // comes back on top while a step-up needs the person (a page to open, a step to continue).
  const flows = [...new Set(events.filter((e) => e.type === "oauth").map((e) => String(e.flow)))];
  const needsPerson = (f: string) => {
    const last = [...events].reverse().find((e) => e.type === "oauth" && e.flow === f && ("waiting" in e || e.step));
    return last !== undefined && (last.waiting ? true : (last.step as Json | undefined)?.kind === "authorization");
  };
  const ended = new Set(
    events.filter((e) => e.type === "oauth" && e.status === "done" && !needsPerson(String(e.flow))).map((e) => String(e.flow)),
  );
  const tabs = TABS.filter((t) => (t === "OAuth" ? conn?.oauth : t === "Audit" ? conn?.audit : true));
  return html`<header><h1>Trellis dashboard</h1><span class="hint">${conns.length} server${conns.length === 1 ? "" : "s"}</span></header>
  <main><nav aria-label="Servers">
    <ul class="items">${conns.map(
      (c) => html`<li><button aria-current=${c.id === conn?.id} onClick=${() => setSelected(c.id)}>
      ${c.serverInfo?.title ?? c.serverInfo?.name ?? c.label} <span class="hint">${c.kind}</span></button></li>`,
    )}</ul>
    <${Connect} onError=${setError} />
    ${error ? html`<div class="block error" role="alert">${error}</div>` : ""}
  </nav>
  <section>
    ${questions.map((q) => {
      const c = conns.find((x) => x.id === q.conn);
      return html`<${Question} key=${q.id} q=${q} from=${c?.serverInfo?.title ?? c?.serverInfo?.name ?? c?.label ?? "A server"} />`;
    })}
    ${flows.filter((f) => !ended.has(f)).map((f) => html`<${OAuthFlow} key=${f} api=${api} flow=${f} events=${events} />`)}
    ${
      conn
        ? html`<h2>${conn.serverInfo?.name ?? conn.label} <span class="hint">${conn.serverInfo?.version ?? ""} · ${conn.label}</span></h2>
      ${conn.instructions ? html`<p class="hint">${conn.instructions}</p>` : ""}
      <div class="tabs" role="tablist">${tabs.map((t) => html`<button role="tab" aria-selected=${t === tab} onClick=${() => setTab(t)}>${t}</button>`)}</div>
      ${
        tab === "Tools"
          ? html`<${Tools} key=${conn.id} conn=${conn} onTask=${(t: Json) => {
              setTasks((old) => [...old, { ...t, conn: conn.id }]);
              setTab("Tasks");
            }} />`
          : ""
      }
      ${tab === "Resources" ? html`<${Resources} key=${conn.id} conn=${conn} />` : ""}
      ${tab === "Prompts" ? html`<${Prompts} key=${conn.id} conn=${conn} />` : ""}
      ${tab === "Tasks" ? html`<${Tasks} conn=${conn} tasks=${tasks} events=${events} />` : ""}
      ${tab === "Roots" ? html`<${Roots} key=${conn.id} conn=${conn} />` : ""}
      ${tab === "Logs" ? html`<${Logs} conn=${conn} events=${events} />` : ""}
      ${tab === "Protocol" ? html`<${Protocol} conn=${conn} events=${events} />` : ""}
      ${tab === "OAuth" && conn.oauth ? html`<${OAuthFlow} api=${api} flow=${conn.oauth} events=${events} />` : ""}
      ${tab === "Audit" && conn.audit ? html`<${Audit} key=${conn.id} api=${api} conn=${conn.id} />` : ""}`
        : html`<p>Connect to a server on the left.</p>`
    }
  </section></main>`;
}

const root = document.getElementById("app")!;
root.textContent = "";
render(html`<${App} />`, root);
