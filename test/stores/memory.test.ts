import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryEventStore } from "../../src/stores/memory/event-store.js";
import { eventStoreContract } from "./event-store.contract.js";
import { MemorySessionStore } from "../../src/stores/memory/session-store.js";
import { sessionStoreContract } from "./session-store.contract.js";
import { MemoryAuthStore } from "../../src/stores/memory/auth-store.js";
import { MemoryAuditSink } from "../../src/stores/audit.js";
import { authStoreContract, auditSinkContract } from "./auth-store.contract.js";

eventStoreContract("MemoryEventStore", () => new MemoryEventStore());

test("MemoryEventStore: sweep drops streams past the retention", () => {
  const s = new MemoryEventStore({ retentionMs: 1000 });
  s.append("a", "st", 1, { jsonrpc: "2.0", method: "x" });
  s.sweep(Date.now() + 2000);
  assert.equal(s.replay("a", "st", 0), undefined);
  s.close();
});

sessionStoreContract("MemorySessionStore", () => new MemorySessionStore());

authStoreContract("MemoryAuthStore", () => new MemoryAuthStore());
auditSinkContract("MemoryAuditSink", () => new MemoryAuditSink());
