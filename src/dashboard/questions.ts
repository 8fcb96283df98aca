/**
 * Questions: what servers ask the person (elicitation in form or URL mode, sampling) waits here for the page's
 * answer. The MCP request stays open on the server's side until then, so the number waiting per server is capped.
 *
 * This is the one list of what is pending: a page shows what `list()` held when it opened its event stream, then
 * follows `question` and `question-settled` events — so a question answered before a reload (or from another tab)
 * does not come back, and one its server withdrew (cancelled, timed out, disconnected) goes away.
 *
 * A URL the dashboard will not open (links.ts) is still shown to the person, as text with the reason, and the only
 * answer its server can get is a decline, whatever the page sends. A form answer that does not fit the requested
 * schema is refused here, with the reason, so the person can correct it instead of the server getting an error.
 */
import { applyDefaults } from "../client/elicitation.js";
import { validateElicitedContent } from "../internal/elicitation-schema.js";
import type { ElicitRequestFormParams } from "../protocol/generated/schema-types.js";
import { checkLink } from "./links.js";

export type QuestionType = "elicitation" | "elicitation-url" | "sampling";

/** A question as the page sees it. */
export interface Question {
  id: string;
  type: QuestionType;
  /** The connection (server) that asked. */
  conn: string;
  params: unknown;
  /** For a URL the dashboard will not open: why. */
  refused?: string;
}

interface Waiting extends Question {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class Questions {
  readonly #waiting = new Map<string, Waiting>();
  readonly #emit: (event: Record<string, unknown>) => void;
  readonly #maxPerConnection: number;

  constructor(emit: (event: Record<string, unknown>) => void, maxPerConnection = 20) {
    this.#emit = emit;
    this.#maxPerConnection = maxPerConnection;
  }

  /** list: the questions waiting now, oldest first. */
  list(): Question[] {
    return [...this.#waiting.values()].map(({ id, type, conn, params, refused }) => ({ id, type, conn, params, refused }));
  }

  /** ask puts a question to the person and resolves with their answer; `signal` is the server withdrawing it. */
  ask<T>(conn: string, type: QuestionType, params: unknown, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if ([...this.#waiting.values()].filter((q) => q.conn === conn).length >= this.#maxPerConnection)
        return reject(new Error("too many questions are already waiting for the person; answer those first"));
      if (signal?.aborted) return reject(new Error("the server withdrew the question"));
      const id = crypto.randomUUID();
      const link = type === "elicitation-url" ? checkLink(String((params as { url?: unknown }).url)) : undefined;
      const refused = link && !link.ok ? link.reason : undefined;
      const withdrawn = () => this.#settle(id, "withdrawn by the server")?.reject(new Error("the server withdrew the question"));
      signal?.addEventListener("abort", withdrawn, { once: true });
      const done = () => signal?.removeEventListener("abort", withdrawn);
      this.#waiting.set(id, {
        id,
        type,
        conn,
        params,
        refused,
        resolve: (v) => {
          done();
          resolve(v as T);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      this.#emit({ type: "question", question: { id, type, conn, params, refused } });
    });
  }

  /**
   * answer settles a question with the person's answer: false if it is not waiting (answered already, withdrawn);
   * a form answer that does not fit the requested schema throws, saying why, and the question keeps waiting.
   */
  answer(id: string, result: unknown): boolean {
    const q = this.#waiting.get(id);
    if (!q) return false;
    const r = (result ?? {}) as { action?: unknown; content?: unknown };
    if (q.type === "elicitation" && r.action === "accept") {
      const schema = (q.params as ElicitRequestFormParams).requestedSchema;
      const content = applyDefaults(schema, r.content as Record<string, unknown> | undefined);
      const problem = validateElicitedContent(schema as Parameters<typeof validateElicitedContent>[0], content);
      if (problem) throw new Error(`the server's form does not accept this answer: ${problem}`);
    }
    // A URL elicitation is answered with an action and nothing else; a refused link (never a link on the page, so
    // never opened from it) only with decline or cancel, whatever was posted.
    let answer: unknown = result;
    if (q.type === "elicitation-url") {
      const action = r.action === "accept" || r.action === "decline" || r.action === "cancel" ? r.action : undefined;
      if (!action) throw new Error('a URL elicitation is answered with "accept", "decline" or "cancel"');
      answer = { action: q.refused !== undefined && action === "accept" ? "decline" : action };
    }
    this.#settle(id, "answered");
    q.resolve(answer);
    return true;
  }

  /** drop withdraws the questions of one connection (or all of them) with `reason` as the error their servers get. */
  drop(conn: string | undefined, reason: string): void {
    for (const q of [...this.#waiting.values()])
      if (conn === undefined || q.conn === conn) this.#settle(q.id, reason)?.reject(new Error(reason));
  }

  /** settle takes a question off the list and tells the pages; undefined if it was not waiting. */
  #settle(id: string, how: string): Waiting | undefined {
    const q = this.#waiting.get(id);
    if (!q) return undefined;
    this.#waiting.delete(id);
    this.#emit({ type: "question-settled", id, conn: q.conn, how });
    return q;
  }
}
