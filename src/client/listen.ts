/**
 * The client's `subscriptions/listen` requests (2026-07-28, basic/patterns/subscriptions.mdx). Each listen is a
 * long-lived request; the server first acknowledges what it will send, naming the listen's request id as the
 * subscription id, so several listens can be open at once and each gets its own acknowledgement.
 *
 * Besides the listens an application opens, the client keeps one of its own that stands in for what a 2025-11-25
 * session gave without asking: resource subscriptions (subscribeResource) and, when onListChanged is set, list
 * changes. It is opened again, with backoff, when the server ends it.
 */
import { TrellisError } from "../protocol/errors.js";
import { META } from "../protocol/modern.js";
import type { RequestId } from "../protocol/generated/schema-types.js";
import type { Session } from "../jsonrpc/session.js";

type Params = Record<string, unknown>;

export interface ListenFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

export interface OpenListen {
  /** What the server acknowledged it will send (a part of what was asked). */
  notifications: Params;
  /** Ends the listen (closes its stream). */
  close(): void;
  /** Settles when the listen ends, whoever ended it. */
  ended: Promise<void>;
}

/** The longest a listen waits for its acknowledgement. */
const ACK_TIMEOUT_MS = 30_000;
/** The managed listen's backoff when the server ends it: from 1 s, doubling, at most 30 s. */
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;

export class Listens {
  readonly #acks = new Map<RequestId, (notifications: Params) => void>();
  readonly #session: () => Session;
  readonly #meta: () => Params;
  readonly #onerror?: (e: Error) => void;
  /** The managed listen: what it follows, and the open request. */
  readonly #uris = new Set<string>();
  #lists: ListenFilter = {};
  #managed?: OpenListen;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  #retryMs = RETRY_MIN_MS;
  #retryTimer?: ReturnType<typeof setTimeout>;

  constructor(session: () => Session, meta: () => Params, onerror?: (e: Error) => void) {
    this.#session = session;
    this.#meta = meta;
    this.#onerror = onerror;
  }

  /** acknowledged routes notifications/subscriptions/acknowledged to the listen it names. */
  acknowledged(params: Params): void {
    const id = (params._meta as Params | undefined)?.[META.subscriptionId] as RequestId | undefined;
    const resolve = id === undefined ? undefined : this.#acks.get(id);
    resolve?.((params.notifications as Params | undefined) ?? {});
  }

  /** open sends a listen and resolves once the server acknowledged it. */
  async open(filter: ListenFilter): Promise<OpenListen> {
    const stop = new AbortController();
    let id: RequestId | undefined;
    let ack!: (n: Params) => void;
    const acknowledged = new Promise<Params>((resolve) => (ack = resolve));
    const request = this.#session().request(
      "subscriptions/listen",
      { notifications: filter, _meta: this.#meta() },
      {
        signal: stop.signal,
        timeoutMs: Infinity,
        onsent: (sent) => {
          id = sent;
          this.#acks.set(sent, ack);
        },
      },
    );
    const ended = request.then(
      () => {},
      () => {},
    );
    void ended.then(() => id !== undefined && this.#acks.delete(id));
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const notifications = await Promise.race([
        acknowledged,
        request.then(() => {
          throw new TrellisError("INVALID_MESSAGE", "subscriptions/listen ended before the server acknowledged it");
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new TrellisError("REQUEST_TIMEOUT", `subscriptions/listen was not acknowledged within ${ACK_TIMEOUT_MS} ms`)),
            ACK_TIMEOUT_MS,
          );
        }),
      ]);
      return { notifications, close: () => stop.abort("listen closed"), ended };
    } catch (err) {
      stop.abort("listen failed");
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** follow sets the list changes the managed listen asks for (onListChanged), and opens it when there are any. */
  follow(lists: ListenFilter): Promise<void> {
    this.#lists = lists;
    return this.#reopen();
  }

  /** subscribe follows one more resource; if the server refuses the new listen, the subscription is undone. */
  async subscribe(uri: string): Promise<void> {
    if (this.#uris.has(uri)) return this.#chain;
    this.#uris.add(uri);
    await this.#reopen().catch((e: Error) => {
      this.#uris.delete(uri);
      throw e;
    });
  }

  async unsubscribe(uri: string): Promise<void> {
    if (!this.#uris.delete(uri)) return this.#chain;
    await this.#reopen().catch((e: Error) => {
      this.#uris.add(uri);
      throw e;
    });
  }

  /** close ends every listen this client keeps. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#managed?.close();
    this.#managed = undefined;
  }

  /**
   * The managed listen again, with what it now follows: the new one is acknowledged before the old one closes, so no
   * notification falls between. One change at a time.
   */
  #reopen(): Promise<void> {
    const next = this.#chain.then(async () => {
      if (this.#closed) return;
      const filter: ListenFilter = { ...this.#lists };
      if (this.#uris.size) filter.resourceSubscriptions = [...this.#uris];
      const old = this.#managed;
      if (Object.values(filter).some((v) => v === true || (Array.isArray(v) && v.length))) {
        let opened: OpenListen;
        try {
          opened = await this.open(filter);
        } catch (e) {
          // The old listen (if any) goes on as it was; with none, try again later.
          const gone = e instanceof TrellisError && e.code === "NOT_CONNECTED";
          if (!old && !this.#closed && !gone) this.#retry();
          throw e;
        }
        this.#managed = opened;
        this.#retryMs = RETRY_MIN_MS;
        void opened.ended.then(() => this.#lost(opened));
      } else this.#managed = undefined;
      old?.close();
    });
    this.#chain = next.catch(() => {});
    return next;
  }

  /** The server ended the managed listen (not this client): open it again after a while. */
  #lost(listen: OpenListen): void {
    if (this.#closed || this.#managed !== listen) return;
    this.#managed = undefined;
    this.#retry();
  }

  #retry(): void {
    if (this.#retryTimer) return;
    const wait = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#reopen().catch((e: Error) => {
        if (e instanceof TrellisError && e.code === "NOT_CONNECTED") return;
        this.#onerror?.(e);
      });
    }, wait);
    this.#retryTimer.unref?.();
  }
}
