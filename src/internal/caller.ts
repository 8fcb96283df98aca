/**
 * Where user code registered something, for messages about it later: a tool whose handler returns an invalid result
 * is named with the file and line that registered it, which is where the bug usually is. The stack is captured at
 * registration (V8 keeps it unformatted until read, so this costs little) and read only when a message needs it.
 * No Node built-ins: this runs wherever the server does.
 */

/** Trellis's own modules, whose frames are skipped: the dist/src or dist/bundle folder this file was built into. */
const OWN = /^(.*\/(?:dist\/(?:src|bundle)|src)\/)/.exec(import.meta.url)?.[1];

/** A frame's location in a V8 stack line: "at f (file:///a/b.js:3:9)" or "at file:///a/b.js:3:9". */
const LOCATION = /\(?((?:file:\/\/|\/)[^()\s]+?):(\d+):(\d+)\)?$/;

/** CallSite remembers where it was made and names the first frame outside Trellis on request. */
export class CallSite {
  readonly #error = new Error();

  /** "path/to/file.js:12:5", or undefined when the stack says nothing useful (another engine, or no user frame). */
  get location(): string | undefined {
    for (const line of (this.#error.stack ?? "").split("\n").slice(1)) {
      const m = LOCATION.exec(line.trim());
      if (!m) continue;
      const url = m[1]!;
      const full = url.startsWith("/") ? `file://${url}` : url;
      if (OWN && full.startsWith(OWN)) continue;
      if (full.includes("/node_modules/trellis-mcp/")) continue;
      let path = url;
      try {
        path = url.startsWith("file://") ? decodeURIComponent(new URL(url).pathname) : url;
      } catch {
        // keep the URL as it is
      }
      return `${path}:${m[2]}:${m[3]}`;
    }
    return undefined;
  }
}
