/**
 * The everything example as a bundle's entry point: the same server over stdio, tasks in memory (a bundle runs
 * wherever the host puts it), skills from the bundle's own skills/ folder. `npm run everything-bundle` builds it.
 */
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readSkillsDirectory } from "trellis-mcp/skills/node";
import { StdioServerTransport } from "trellis-mcp/stdio";

// Bundled into one file with server.ts, whose own start-up would otherwise run too (it is "the program" then).
process.env.TRELLIS_EVERYTHING_LIBRARY = "1";
const { createEverythingServer } = await import("./server.js");

const here = dirname(fileURLToPath(import.meta.url));
const server = createEverythingServer({
  tasks: {},
  skills: await readSkillsDirectory(process.env.EVERYTHING_SKILLS ?? join(here, "..", "skills")),
  apps: true,
});
server.connect(new StdioServerTransport());
