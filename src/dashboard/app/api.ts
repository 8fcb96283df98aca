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
  const j = (await r.json()) as Json;
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

/** The whole event log, shared by the views that read it. */
export function useEvents(): Event_[] {
  const [events, setEvents] = useState<Event_[]>([]);
  useEffect(() => {
    const src = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    const buf: Event_[] = [];
    let scheduled = false;
    src.onmessage = (m) => {
      buf.push(JSON.parse(m.data) as Event_);
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        const add = buf.splice(0);
        setEvents((old) => [...old, ...add].slice(-5000));
      });
    };
    return () => src.close();
  }, []);
  return events;
}
