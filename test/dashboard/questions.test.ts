import { test } from "node:test";
import assert from "node:assert/strict";
import { type Question, Questions } from "../../src/dashboard/questions.js";

function questions() {
  const events: Record<string, unknown>[] = [];
  return { q: new Questions((e) => events.push(e), 2), events };
}

/** The questions the events asked, in order. */
const asked = (events: Record<string, unknown>[]) => events.filter((e) => e.type === "question").map((e) => e.question as Question);

test("a URL the dashboard will not open is asked with the reason, and its server can only get a decline", async () => {
  const { q, events } = questions();
  const reply = q.ask("c1", "elicitation-url", { url: "javascript:alert(1)", message: "open me" });
  const event = asked(events)[0]!;
  assert.match(String(event.refused), /scheme is javascript:/);
  // A page (or anything holding the token) that answers "accept" anyway does not reach the server as one.
  q.answer(event.id, { action: "accept" });
  assert.deepEqual(await reply, { action: "decline" });
});

test("a URL elicitation is answered with accept, decline or cancel only: other shapes are refused, and a refused link never passes on as accepted", async () => {
  const { q, events } = questions();
  const reply = q.ask("c1", "elicitation-url", { url: "javascript:alert(1)", message: "open me" });
  const event = asked(events)[0]!;
  for (const odd of [{ action: "Accept" }, { action: "accept\u200b" }, "accept", null, { result: "ok" }])
    assert.throws(() => q.answer(event.id, odd), /answered with "accept", "decline" or "cancel"/, JSON.stringify(odd));
  q.answer(event.id, { action: "accept", extra: "dropped" });
  assert.deepEqual(await reply, { action: "decline" });
  const allowed = q.ask("c1", "elicitation-url", { url: "https://example.com/x", message: "m" });
  q.answer(asked(events)[1]!.id, { action: "cancel", content: { sneaked: true } });
  assert.deepEqual(await allowed, { action: "cancel" });
});

test("an allowed URL is asked without a refusal, and the person's accept goes through", async () => {
  const { q, events } = questions();
  const reply = q.ask("c1", "elicitation-url", { url: "https://example.com/finish", message: "open me" });
  const event = asked(events)[0]!;
  assert.equal(event.refused, undefined);
  q.answer(event.id, { action: "accept" });
  assert.deepEqual(await reply, { action: "accept" });
});

test("an answer to a question that is not waiting is refused; each server may keep only so many waiting", async () => {
  const { q } = questions();
  assert.equal(q.answer("nope", { action: "decline" }), false);
  const first = [q.ask("c1", "sampling", {}), q.ask("c1", "sampling", {})];
  await assert.rejects(q.ask("c1", "sampling", {}), /too many questions/);
  const other = q.ask("c2", "sampling", {});
  q.drop("c1", "gone");
  for (const p of first) await assert.rejects(p, /gone/);
  q.drop(undefined, "closed");
  await assert.rejects(other, /closed/);
});

test("what is pending is one list: an answered question leaves it and the pages are told, and so does a withdrawn one", async () => {
  const { q, events } = questions();
  const first = q.ask("c1", "sampling", { messages: [] });
  const withdraw = new AbortController();
  const second = q.ask("c1", "elicitation", { message: "?", requestedSchema: { type: "object", properties: {} } }, withdraw.signal);
  const [a, b] = asked(events);
  assert.deepEqual(
    q.list().map((x) => x.id),
    [a!.id, b!.id],
  );
  q.answer(a!.id, { role: "assistant", content: { type: "text", text: "hi" }, model: "m" });
  assert.equal(((await first) as { model: string }).model, "m");
  assert.deepEqual(
    q.list().map((x) => x.id),
    [b!.id],
  );
  assert.equal(q.answer(a!.id, {}), false, "a second answer to the same question is refused");
  withdraw.abort();
  await assert.rejects(second, /withdrew/);
  assert.deepEqual(q.list(), []);
  assert.deepEqual(
    events.filter((e) => e.type === "question-settled").map((e) => [e.id, e.how]),
    [
      [a!.id, "answered"],
      [b!.id, "withdrawn by the server"],
    ],
  );
});

test("a form answer that does not fit the requested schema is refused with the reason, and the question still waits", async () => {
  const { q, events } = questions();
  const answer = q.ask("c1", "elicitation", {
    message: "Name?",
    requestedSchema: { type: "object", properties: { name: { type: "string" }, n: { type: "integer", default: 3 } }, required: ["name"] },
  });
  const { id } = asked(events)[0]!;
  assert.throws(() => q.answer(id, { action: "accept", content: {} }), /form does not accept this answer: missing required field "name"/);
  assert.equal(q.list().length, 1);
  q.answer(id, { action: "accept", content: { name: "ada" } });
  assert.deepEqual(await answer, { action: "accept", content: { name: "ada" } });
});
