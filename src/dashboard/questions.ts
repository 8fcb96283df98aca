/**
 * Questions: what servers ask the person (elicitation in form or URL mode, sampling) waits here for the page's
 * answer. The MCP request stays open on the server's side until then, so the number waiting per server is capped.
 * A URL the dashboard will not open (links.ts) is still shown to the person, as text with the reason, and the only
 * answer its server can get is a decline, whatever the page sends.
 */
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

/** QuestionError carries the HTTP status the API answers with. */
export class QuestionError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
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

  /** ask puts a question to the person and resolves with their answer. */
  ask<T>(conn: string, type: QuestionType, params: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if ([...this.#waiting.values()].filter((q) => q.conn === conn).length >= this.#maxPerConnection)
        return reject(new Error("too many questions are already waiting for the person; answer those first"));
      const id = crypto.randomUUID();
      const link = type === "elicitation-url" ? checkLink(String((params as { url?: unknown }).url)) : undefined;
      const refused = link && !link.ok ? link.reason : undefined;
      this.#waiting.set(id, { id, type, conn, params, refused, resolve: resolve as (v: unknown) => void, reject });
      this.#emit({ type, conn, id, params, refused });
    });
  }

  /** answer settles a question with the person's answer; a question that is not waiting is a QuestionError. */
  answer(id: string, result: unknown): void {
    const q = this.#waiting.get(id);
    if (!q) throw new QuestionError(404, "no question with this id is waiting");
    this.#waiting.delete(id);
    // The person cannot have opened a refused link from the page: it was never a link there.
    const action = (result as { action?: unknown } | null)?.action;
    q.resolve(q.refused !== undefined && action === "accept" ? { action: "decline" } : result);
  }

  /** drop withdraws the questions of one connection (or all of them) with `reason` as the error their servers get. */
  drop(conn: string | undefined, reason: string): void {
    for (const [id, q] of this.#waiting)
      if (conn === undefined || q.conn === conn) {
        this.#waiting.delete(id);
        q.reject(new Error(reason));
      }
  }
}
