/** trellis-mcp/skills/node: reading skills from a folder on disk. */
export { readSkillsDirectory } from "./directory.js";
