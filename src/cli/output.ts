/**
 * What the client commands print: a server's results as a person reads them, and JSON for scripts. Everything here
 * quotes a server, so each line for people goes through visible() (src/internal/terminal.ts) and JSON through
 * safeJson; nothing a server says reaches the terminal as it is.
 */
import type { CallToolResult } from "../protocol/generated/schema-types.js";
import { visible } from "../internal/terminal.js";
import { CliError, EXIT } from "./config.js";

/** Where a command writes: its output and its messages. */
export interface Output {
  out(s: string): void;
  err(s: string): void;
}

/** Content blocks as a person reads them. */
export function formatContent(blocks: CallToolResult["content"]): string {
  const lines: string[] = [];
  for (const b of blocks ?? []) {
    const c = b as Record<string, unknown>;
    // A text that is not a string is a server's bug (a forgotten await sends `{}`): shown as the JSON it is, flagged.
    if (c.type === "text")
      lines.push(typeof c.text === "string" ? c.text : `[invalid text block: ${JSON.stringify(c.text) ?? String(c.text)}]`);
    else if (c.type === "image" || c.type === "audio")
      lines.push(`[${c.type} ${c.mimeType}, ${Math.floor((String(c.data).length * 3) / 4)} bytes]`);
    else if (c.type === "resource") {
      const r = c.resource as Record<string, unknown>;
      lines.push(`[resource ${r.uri}${r.mimeType ? ` ${r.mimeType}` : ""}]${typeof r.text === "string" ? `\n${r.text}` : ""}`);
    } else if (c.type === "resource_link") lines.push(`[link ${c.uri}${c.name ? ` ${c.name}` : ""}]`);
    else lines.push(JSON.stringify(c));
  }
  return lines.join("\n");
}

export function printResult(io: Output, r: CallToolResult, json: boolean): void {
  if (json) printJson(io, r);
  else {
    const show = visibleIo(io);
    const text = formatContent(r.content);
    if (text) (r.isError ? show.err : show.out)(`${text}\n`);
    if (r.structuredContent !== undefined && !r.isError && !text) printJson(io, r.structuredContent);
  }
  if (r.isError) throw new CliError(json ? "" : "the tool reported an error", EXIT.toolError);
}

/** visibleIo: output for people, each line made visible (the one rule, src/internal/terminal.ts). */
export function visibleIo(io: Output): { out(s: string): void; err(s: string): void } {
  const lines = (s: string) => s.split("\n").map(visible).join("\n");
  return { out: (s) => io.out(lines(s)), err: (s) => io.err(lines(s)) };
}

/**
 * printJson prints a value as JSON that cannot drive a terminal: JSON.stringify escapes only C0 controls, so the
 * rest that a terminal or a reader could be fooled by (DEL, C1 controls such as the single-byte CSI, bidi and
 * invisible format characters, line separators) is written as \u escapes too. The JSON means exactly the same.
 */
export function printJson(io: Output, value: unknown): void {
  io.out(`${safeJson(value)}\n`);
}

export function safeJson(value: unknown): string {
  // Controls, format characters (bidi, zero-width), line separators and whatever else draws as nothing; a character
  // beyond U+FFFF (a tag) is written as its two UTF-16 halves, which is how JSON spells it.
  // The line breaks and indents JSON.stringify writes between values stay (inside strings it has escaped them).
  return JSON.stringify(value, null, 2).replace(/(?![\n\r\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu, (c) =>
    Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`).join(""),
  );
}
