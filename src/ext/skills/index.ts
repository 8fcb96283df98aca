/**
 * trellis-mcp/skills: the Skills extension (SEP-2640), server and client side. Runtime-neutral; reading skills
 * from disk is in trellis-mcp/skills/node.
 */
export { skillsServer, type SkillsServerOptions, type SkillsServerApi, type SkillSource, type SkillFiles } from "./server.js";
export { skillsClient, type SkillsClientOptions, type SkillsClientApi, type LoadedSkill } from "./client.js";
export {
  SKILLS_EXTENSION,
  SKILL_NAME,
  MAX_SKILL_FILES,
  MAX_SKILL_BYTES,
  parseSkillMd,
  digestOf,
  type SkillEntry,
  type SkillResource,
  type SkillFrontmatter,
} from "./skill.js";
