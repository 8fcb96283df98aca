import { test } from "node:test";
import assert from "node:assert/strict";
import { QuestionError, Questions } from "../../src/dashboard/questions.js";

function questions() {
  const events: Record<string, unknown>[] = [];
  return { q: new Questions((e) => events.push(e), 2), events };
}

test("a URL the dashboard will not open is asked with the reason, and its server can only get a decline", async () => {
  const { q, events } = questions();
  const asked = q.ask("c1", "elicitation-url", { url: "javascript:alert(1)", message: "open me" });
  const event = events.find((e) => e.type === "elicitation-url")!;
  assert.match(String(event.refused), /scheme is javascript:/);
  // A page (or anything holding the token) that answers "accept" anyway does not reach the server as one.
  q.answer(String(event.id), { action: "accept" });
  assert.deepEqual(await asked, { action: "decline" });
});

test("an allowed URL is asked without a refusal, and the person's accept goes through", async () => {
  const { q, events } = questions();
  const asked = q.ask("c1", "elicitation-url", { url: "https://example.com/finish", message: "open me" });
  const event = events.find((e) => e.type === "elicitation-url")!;
  assert.equal(event.refused, undefined);
  q.answer(String(event.id), { action: "accept" });
  assert.deepEqual(await asked, { action: "accept" });
});

test("an answer to a question that is not waiting is a 404; each server may keep only so many waiting", async () => {
  const { q } = questions();
  assert.throws(
    () => q.answer("nope", { action: "decline" }),
    (e: unknown) => e instanceof QuestionError && e.status === 404,
  );
  const first = [q.ask("c1", "sampling", {}), q.ask("c1", "sampling", {})];
  await assert.rejects(q.ask("c1", "sampling", {}), /too many questions/);
  const other = q.ask("c2", "sampling", {});
  q.drop("c1", "gone");
  for (const p of first) await assert.rejects(p, /gone/);
  q.drop(undefined, "closed");
  await assert.rejects(other, /closed/);
});
