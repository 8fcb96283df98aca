/**
 * Multi round-trip requests (2026-07-28, basic/patterns/mrtr.mdx). A modern server cannot send the client
 * requests, so when a handler calls `ctx.elicit()`, `ctx.sample()` or `ctx.listRoots()` on a modern request whose
 * answer the client has not given yet, the request ends with an `input_required` result naming what it needs; the
 * client asks its user or model and sends the same request again with `inputResponses` and the `requestState`.
 *
 * Trellis re-runs the handler on the retry rather than keeping it suspended: each ask in the handler has a key
 * (its own `inputKey`, else its kind and order: `elicit-1`, `sample-1`, …), answers given in earlier rounds travel
 * in the signed `requestState`, and an ask whose key is answered returns at once. Nothing waits in memory, so a
 * retry may land on any process that shares the signing secret, and an abandoned request costs nothing. The price
 * is that a handler's work before its asks runs again on each round: keep it cheap or idempotent, and do not
 * swallow the errors `ctx.elicit()` throws (they carry the round's end).
 *
 * requestState is HMAC-SHA256 signed with the server's secret and bound to the method, the tool / prompt /
 * resource, its arguments (a SHA-256 digest), the caller and a 10-minute lifetime: a tampered, expired or foreign
 * state is refused with -32602. Each recorded answer keeps a digest of the question it answered, and an answer
 * given for a key the last round asked must answer that question: when the handler asks something else under the
 * key, it is asked again. (The client is the one who answers, so the state guards what the server asked across
 * rounds — not whether the client tells the truth; a first call's `inputResponses` are taken as given.)
 */
import { ErrorCode, ProtocolError } from "../protocol/errors.js";
import { base64ToBytes, bytesToBase64 } from "../internal/base64.js";
import type { RequestContext } from "../jsonrpc/session.js";

type Obj = Record<string, unknown>;

/** Thrown by an ask whose answer is not there yet; the server turns it into an `input_required` result. */
export class InputRequired extends ProtocolError {
  constructor() {
    super(ErrorCode.InternalError, "the request needs input from the client (input_required)");
  }
}

/** One request's round: the answers known so far, and what the handler asked that has no answer. */
export interface InputRound {
  readonly answers: Map<string, unknown>;
  readonly needed: Map<string, { method: string; params?: Obj }>;
  /** Asks per kind so far in this run, for default keys. */
  readonly counts: Map<string, number>;
  /** Keys whose answers the handler took in this run: what the next round's state keeps. */
  readonly used: Set<string>;
  /** The question each known answer answers (a digest), when the state says. */
  readonly answered: Map<string, string>;
}

const rounds = new WeakMap<RequestContext, InputRound>();

/** The round of a modern request that may ask for input, if this is one. */
export function inputRound(rpc: RequestContext): InputRound | undefined {
  return rounds.get(rpc);
}

/** The state signed into requestState. */
interface SealedState {
  v: 1;
  /** method, target (tool or prompt name, resource URI) and a digest of the arguments */
  m: string;
  t: string;
  h: string;
  /** the caller (principal key), "" when anonymous */
  p: string;
  /** expiry, ms since the epoch */
  e: number;
  /** answers from earlier rounds, by key */
  a: Obj;
  /** the question each answer in `a`, and each question asked last round, was about (digests), by key */
  q: Record<string, string>;
}

const LIFETIME_MS = 10 * 60_000;
/** The largest state sealed: what `open` accepts back, base64 included. */
const MAX_STATE_CHARS = 700 * 1024;

/** Binding: what a requestState belongs to — method, target, arguments digest, caller. */
export interface Binding {
  m: string;
  t: string;
  h: string;
  p: string;
}

/** canonical is JSON with object keys sorted, so that the same arguments give the same digest. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v as Obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Obj)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

/** argumentsDigest: SHA-256 of a request's arguments, for the binding. */
export async function argumentsDigest(args: unknown): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(canonical(args ?? null)))));
}

/** questionDigest tells one question from another (the state is signed, so it need not resist a chosen collision). */
function questionDigest(method: string, params: Obj | undefined): string {
  const text = `${method} ${canonical(params ?? null)}`;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}
const enc = new TextEncoder();

const b64url = (bytes: Uint8Array): string => bytesToBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
/** Throws on anything that is not base64url, which open() reports as a failed integrity check. */
const fromB64url = (s: string): Uint8Array<ArrayBuffer> => new Uint8Array(base64ToBytes(s.replace(/-/g, "+").replace(/_/g, "/")));

/** RequestStateCodec signs and checks requestState with one secret (shared by every process of a deployment). */
export class RequestStateCodec {
  readonly #key: Promise<CryptoKey>;

  constructor(secret?: Uint8Array | string) {
    const raw =
      secret === undefined ? crypto.getRandomValues(new Uint8Array(32)) : typeof secret === "string" ? enc.encode(secret) : secret;
    this.#key = crypto.subtle.importKey("raw", new Uint8Array(raw), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  }

  async seal(state: Omit<SealedState, "v" | "e">): Promise<string> {
    if (JSON.stringify(state).length > MAX_STATE_CHARS)
      throw new ProtocolError(ErrorCode.InternalError, "the answers of this request grew too large to carry in requestState");
    const body = b64url(enc.encode(JSON.stringify({ v: 1, e: Date.now() + LIFETIME_MS, ...state })));
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await this.#key, enc.encode(body)));
    return `${body}.${b64url(mac)}`;
  }

  /** open checks a requestState and returns the answers it carries, or throws -32602 saying why it is refused. */
  async open(text: unknown, expect: Binding): Promise<{ answers: Obj; questions: Record<string, string> }> {
    const refuse = (why: string) =>
      new ProtocolError(ErrorCode.InvalidParams, `invalid params: requestState ${why}; send the request again without it`);
    if (typeof text !== "string" || text.length > 1024 * 1024) throw refuse("must be the string this server sent");
    const dot = text.indexOf(".");
    let ok = false;
    let state: SealedState | undefined;
    try {
      const body = text.slice(0, dot);
      ok =
        dot > 0 && (await crypto.subtle.verify("HMAC", await this.#key, new Uint8Array(fromB64url(text.slice(dot + 1))), enc.encode(body)));
      if (ok) state = JSON.parse(new TextDecoder().decode(fromB64url(body))) as SealedState;
    } catch {
      ok = false;
    }
    if (!ok || !state || state.v !== 1) throw refuse("failed its integrity check (altered, or not from this server)");
    if (state.e < Date.now()) throw refuse("has expired");
    if (state.m !== expect.m || state.t !== expect.t || state.h !== expect.h)
      throw refuse(`belongs to another request (${state.m} ${state.t}${state.h !== expect.h ? " with other arguments" : ""})`);
    if (state.p !== expect.p) throw refuse("belongs to another caller");
    return { answers: state.a ?? {}, questions: state.q ?? {} };
  }
}

/** validAnswer tells whether a client's response has the shape its kind of request expects. */
export function validAnswer(method: string, r: unknown): boolean {
  if (typeof r !== "object" || r === null || Array.isArray(r)) return false;
  const o = r as Obj;
  if (method === "elicitation/create")
    return (
      ["accept", "decline", "cancel"].includes(o.action as string) &&
      (o.content === undefined || (typeof o.content === "object" && o.content !== null))
    );
  if (method === "sampling/createMessage") return typeof o.role === "string" && typeof o.content === "object" && o.content !== null;
  if (method === "roots/list") return Array.isArray(o.roots);
  return false;
}

/**
 * beginRound opens a modern request's round: the answers from its requestState (checked) and its inputResponses.
 * A response under a key is taken when the handler asks for that key (and checked for its kind then).
 */
export async function beginRound(
  rpc: RequestContext,
  codec: RequestStateCodec,
  params: Obj,
  binding: () => Promise<Binding>,
): Promise<InputRound> {
  const answers = new Map<string, unknown>();
  const answered = new Map<string, string>();
  if (params.requestState !== undefined) {
    const opened = await codec.open(params.requestState, await binding());
    for (const [k, v] of Object.entries(opened.answers)) answers.set(k, v);
    for (const [k, d] of Object.entries(opened.questions)) answered.set(k, d);
  }
  const given = params.inputResponses;
  if (given && typeof given === "object" && !Array.isArray(given)) for (const [k, v] of Object.entries(given as Obj)) answers.set(k, v);
  const round: InputRound = { answers, needed: new Map(), counts: new Map(), used: new Set(), answered };
  rounds.set(rpc, round);
  return round;
}

/**
 * ask is how a handler's elicit / sample / listRoots works on a modern request: the recorded answer for its key,
 * or InputRequired after noting the request. Answers of the wrong shape count as missing (the client is asked again).
 */
export function ask(round: InputRound, kind: string, method: string, params: Obj | undefined, inputKey?: string): unknown {
  const n = (round.counts.get(kind) ?? 0) + 1;
  round.counts.set(kind, n);
  const key = inputKey ?? `${kind}-${n}`;
  const answer = round.answers.get(key);
  const about = round.answered.get(key);
  // An answer to another question under the same key (the handler now asks something else) is no answer.
  if (answer !== undefined && validAnswer(method, answer) && (about === undefined || about === questionDigest(method, params))) {
    round.used.add(key);
    return answer;
  }
  round.needed.set(key, params === undefined ? { method } : { method, params });
  throw new InputRequired();
}

/**
 * endRound builds the `input_required` result once the handler stopped at an ask: every ask it made without an
 * answer (asks started together, as with Promise.all, are collected first), and the answers so far, sealed.
 */
export async function endRound(round: InputRound, codec: RequestStateCodec, binding: () => Promise<Binding>): Promise<Obj> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  const kept: Obj = {};
  const questions: Record<string, string> = {};
  for (const k of round.used) {
    kept[k] = round.answers.get(k);
    const about = round.answered.get(k);
    if (about !== undefined) questions[k] = about;
  }
  for (const [k, q] of round.needed) questions[k] = questionDigest(q.method, q.params);
  return {
    resultType: "input_required",
    inputRequests: Object.fromEntries(round.needed),
    requestState: await codec.seal({ ...(await binding()), a: kept, q: questions }),
  };
}
