/**
 * The page's line to the dashboard: its token, the JSON API, MCP requests on a connection, and the one event
 * stream every view reads.
 */
import { useEffect, useState } from "preact/hooks";

export const token = document.body.dataset.token ?? "";

export type Json = Record<string, unknown>;
export interface Conn {
  id: string;
  label: string;
  kind: string;
  serverInfo?: { name: string; version: string; title?: string };
  capabilities?: Json;
  instructions?: string;
  /** Set when the server offers MCP Apps views: where the sandbox proxy is. */
  apps?: { sandboxUrl: string };
  /** The guided sign-in that connected it, and whether its authorization server's audit log can be read. */
  oauth?: string;
  audit?: boolean;
}

export type Api = (path: string, body?: unknown) => Promise<Json>;

export interface Event_ {
  type: string;
  seq: number;
  at: number;
  conn?: string;
  [k: string]: unknown;
}

export async function api(path: string, body?: unknown): Promise<Json> {
  const r = await fetch(`${path}?token=${encodeURIComponent(token)}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", "x-dashboard-token": token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let j: Json;
  try {
    j = JSON.parse(text) as Json;
  } catch {
    throw new Error(`the dashboard answered ${r.status}${text ? `: ${text.slice(0, 200)}` : ""}`);
  }
  if (!r.ok) throw new Error(String(j.error ?? r.status));
  return j;
}

/** request sends one MCP request on a connection; an error answer is thrown with its message. */
export async function request(conn: string, method: string, params?: Json): Promise<Json> {
  const r = await api("/api/request", { conn, method, params });
  if (r.error) {
    const e = r.error as { code: number; message: string };
    throw new Error(`${e.message} (${e.code})`);
  }
  return r.result as Json;
}

/** A question a server asked the person, as the dashboard lists it (src/dashboard/questions.ts). */
export interface Asked {
  id: string;
  type: "elicitation" | "elicitation-url" | "sampling";
  conn: string;
  params: Json;
  /** For a URL the dashboard will not open: why. */
  refused?: string;
}

/**
 * useEvents: the whole event log, shared by the views that read it, and the questions waiting for the person.
 * Those are exactly what the dashboard says: the list it sends when the stream opens (after the backlog), then
 * each one asked or settled — never worked out from old events, so a reload does not bring back answered ones.
 * A stream that opens again (the browser reconnects) starts over: the dashboard sends its backlog again.
 */
export function useEvents(): { events: Event_[]; questions: Asked[] } {
  const [events, setEvents] = useState<Event_[]>([]);
  const [questions, setQuestions] = useState<Asked[]>([]);
  useEffect(() => {
    const src = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    let buf: Event_[] = [];
    let restart = false;
    let pending = new Map<string, Asked>();
    let scheduled = false;
    src.onopen = () => {
      buf = [];
      restart = true;
    };
    src.onmessage = (m) => {
      const e = JSON.parse(m.data) as Event_;
      if (e.type === "questions") pending = new Map((e.list as Asked[]).map((q) => [q.id, q]));
      else if (e.type === "question") pending.set((e.question as Asked).id, e.question as Asked);
      else if (e.type === "question-settled") pending.delete(String(e.id));
      buf.push(e);
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        const add = buf.splice(0);
        const fresh = restart;
        restart = false;
        setEvents((old) => [...(fresh ? [] : old), ...add].slice(-5000));
        setQuestions([...pending.values()]);
      });
    };
    return () => src.close();
  }, []);
  return { events, questions };
}
