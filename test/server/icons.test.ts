/** Icons (SEP-973): https, http and data: sources only, and a known theme. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkIcons } from "../../src/server/icons.js";

test("checkIcons: accepts web and data URIs; refuses other schemes, missing src and unknown themes with the fix", () => {
  assert.doesNotThrow(() =>
    checkIcons([{ src: "https://x/i.png" }, { src: "http://x/i.svg", theme: "dark" }, { src: "data:image/png;base64,AA==" }], "op"),
  );
  const bad: [unknown, RegExp][] = [
    [[{ src: "file:///etc/passwd" }], /op: icon src "file:\/\/\/etc\/passwd" must be an https:, http: or data: URI/],
    [[{ src: "javascript:alert(1)" }], /must be an https:, http: or data: URI/],
    [[{}], /icon src undefined/],
    [[{ src: "https://x", theme: "neon" }], /theme must be "light" or "dark"/],
    ["nope", /icons must be an array/],
  ];
  for (const [icons, why] of bad) assert.throws(() => checkIcons(icons as never, "op"), why);
});
