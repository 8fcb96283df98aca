/**
 * The one server-sent-events formatter: the MCP streams (transports/http), the dashboard's event stream and the MCP
 * Apps relay all write events through it, so the wire format (and its one subtle rule: a raw line break inside the
 * data would end the field, so each line becomes a `data:` line of its own) is written once.
 */

/** sseEvent renders one event. JSON text holds no raw line break, so the common case is one data line. */
export function sseEvent(data: string, options: { id?: string; retryMs?: number } = {}): string {
  const head = `${options.id === undefined ? "" : `id: ${options.id}\n`}${options.retryMs === undefined ? "" : `retry: ${options.retryMs}\n`}`;
  const body = data.includes("\n") || data.includes("\r") ? data.split(/\r\n|\r|\n/).join("\ndata: ") : data;
  return `${head}data: ${body}\n\n`;
}

/** sseComment renders a comment line, which clients ignore: a keep-alive, or a first byte so that proxies start streaming. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
}
