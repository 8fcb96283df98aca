/** MemoryTaskStore runs the TaskStore contract. */
import { MemoryTaskStore } from "../../src/tasks/memory-store.js";
import { taskStoreContract } from "./store.contract.js";

taskStoreContract("MemoryTaskStore", () => new MemoryTaskStore());
