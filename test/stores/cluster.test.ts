/** The Cluster seam in one process: the contract every backend passes (RedisCluster runs it in redis.test.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { newNodeId } from "../../src/stores/cluster.js";
import { MemoryCluster, MemoryClusterHub } from "../../src/stores/memory/cluster.js";
import { clusterContract } from "./cluster.contract.js";

clusterContract("MemoryCluster", async () => {
  const hub = new MemoryClusterHub();
  return [new MemoryCluster(hub), new MemoryCluster(hub)];
});

test("node ids are 12 hex characters and do not repeat", () => {
  const ids = new Set(Array.from({ length: 1000 }, newNodeId));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[0-9a-f]{12}$/);
});
