// Regenerates src/bundles/schemas.ts from the vendored official manifest schemas in schema/mcpb/.
import { readFileSync, writeFileSync } from "node:fs";
const v3 = JSON.parse(readFileSync("schema/mcpb/mcpb-manifest-v0.3.schema.json", "utf8"));
const v4 = JSON.parse(readFileSync("schema/mcpb/mcpb-manifest-v0.4.schema.json", "utf8"));
writeFileSync(
  "src/bundles/schemas.ts",
  `/**\n * The official MCP Bundle manifest schemas (v0.3, v0.4), as published with the mcpb specification. Generated from\n * schema/mcpb/*.schema.json by scripts/gen-mcpb-schemas.mjs; do not edit.\n */\n/* biome-ignore-all format: generated */\nexport const MANIFEST_SCHEMAS: Record<string, Record<string, unknown>> = ${JSON.stringify({ 0.3: v3, 0.4: v4 })};\n`,
);
