/** FileCredentialStore: a CredentialStore in one private JSON file, for CLIs and local tools (Node only). */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { CredentialStore } from "./credential-store.js";

/**
 * FileCredentialStore keeps everything in one JSON file, readable by its owner only (mode 0600), replaced
 * atomically on each save. Meant for CLIs and local tools; a server holding many users' tokens wants a real
 * secret store.
 */
export class FileCredentialStore implements CredentialStore {
  readonly #path: string;
  constructor(path: string) {
    this.#path = path;
  }
  #read(): Record<string, unknown> {
    try {
      const data = JSON.parse(readFileSync(this.#path, "utf8")) as unknown;
      return typeof data === "object" && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  load(key: string): unknown {
    return this.#read()[key];
  }
  save(key: string, value: unknown): void {
    const all = this.#read();
    if (value === undefined) delete all[key];
    else all[key] = value;
    mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
    const tmp = `${this.#path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all, null, 2), { mode: 0o600 });
    renameSync(tmp, this.#path);
  }
}
