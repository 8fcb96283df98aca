import { test } from "node:test";
import assert from "node:assert/strict";
import { UriTemplate } from "../../src/server/uri-template.js";

test("UriTemplate expands (RFC 6570 examples)", () => {
  const vars = { var: "value", hello: "Hello World!", path: "/foo/bar", list: ["red", "green", "blue"], x: "1024", y: "768" };
  const cases = [
    { t: "{var}", want: "value" },
    { t: "{hello}", want: "Hello%20World%21" },
    { t: "{+path}/here", want: "/foo/bar/here" },
    { t: "{#var}", want: "#value" },
    { t: "map?{x,y}", want: "map?1024,768" },
    { t: "{?x,y}", want: "?x=1024&y=768" },
    { t: "?fixed=yes{&x}", want: "?fixed=yes&x=1024" },
    { t: "{/list*}", want: "/red/green/blue" },
    { t: "{.var}", want: ".value" },
    { t: "{;x,y}", want: ";x=1024;y=768" },
    { t: "{var:3}", want: "val" },
    { t: "{list}", want: "red,green,blue" },
  ];
  for (const c of cases) assert.equal(new UriTemplate(c.t).expand(vars), c.want, c.t);
});

test("UriTemplate matches URIs back to variables", () => {
  const cases = [
    { t: "test://template/{id}/data", uri: "test://template/123/data", want: { id: "123" } },
    { t: "test://template/{id}/data", uri: "test://template/123/other", want: undefined },
    { t: "file:///{+path}", uri: "file:///a/b/c.txt", want: { path: "a/b/c.txt" } },
    { t: "users://{id}{?fields,sort}", uri: "users://7?fields=a", want: { id: "7", fields: "a" } },
    { t: "users://{id}{?fields,sort}", uri: "users://7", want: { id: "7" } },
    { t: "s://{name}", uri: "s://hello%20world", want: { name: "hello world" } },
    { t: "s://{a}/{b}", uri: "s://x", want: undefined },
  ];
  for (const c of cases) assert.deepEqual(new UriTemplate(c.t).match(c.uri), c.want, `${c.t} ~ ${c.uri}`);
});

test("UriTemplate rejects malformed templates with the fix", () => {
  assert.throws(() => new UriTemplate("a{b"), /unclosed "\{"/);
  assert.throws(() => new UriTemplate("a}b"), /unmatched "\}"/);
  assert.throws(() => new UriTemplate("a{}"), /empty expression/);
  assert.throws(() => new UriTemplate("a{b-c}"), /bad variable name "b-c"/);
});
