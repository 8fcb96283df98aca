/**
 * Tool schemas: plain JSON Schema (2020-12 by default, SEP-1613) or any Standard Schema (zod 3/4, valibot,
 * arktype). Validators are compiled once, at registration; Trellis does not depend on any schema library.
 */
import Ajv2020Module from "ajv/dist/2020.js";
import AjvDraft7Module from "ajv";
import addFormatsModule from "ajv-formats";
import { misuse } from "../protocol/errors.js";
import { jsonSchema2020 } from "../protocol/generated/json-schema-meta.js";

type Json = Record<string, unknown>;

/** StandardSchemaV1 is the interface of https://standardschema.dev, typed here to avoid a dependency. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output };
    /** The Standard JSON Schema extension (zod >= 4.2, arktype, valibot via its converter). */
    readonly jsonSchema?: { input(options: { target: string }): Json; output(options: { target: string }): Json };
  };
}
type StandardResult<O> =
  | { value: O; issues?: undefined }
  | { issues: ReadonlyArray<{ message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> }> };

/** A schema as a user gives it: a JSON Schema object or a Standard Schema. */
export type SchemaInput = Json | StandardSchemaV1;

/** CompiledSchema is a schema ready to use: its JSON form for listings and a validator. */
export interface CompiledSchema {
  json: Json;
  /** Returns the (possibly transformed) value, or a message naming what is wrong. */
  validate(
    value: unknown,
  ): { ok: true; value: unknown } | { ok: false; message: string } | Promise<{ ok: true; value: unknown } | { ok: false; message: string }>;
}

type AjvLike = {
  compile(schema: Json): ((v: unknown) => boolean) & {
    errors?: Array<{ instancePath: string; message?: string; params: Record<string, unknown>; keyword: string }> | null;
  };
};
const construct = (m: unknown) => ((m as { default?: unknown }).default ?? m) as new (opts: object) => AjvLike;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: AjvLike) => void;
let ajv2020: AjvLike | undefined;
let ajv7: AjvLike | undefined;
function ajvFor(schema: Json): AjvLike {
  const dialect = typeof schema.$schema === "string" ? schema.$schema : "";
  if (/draft-0[4-7]/.test(dialect)) {
    if (!ajv7) {
      ajv7 = new (construct(AjvDraft7Module))({ strict: false, allErrors: true, useDefaults: true });
      addFormats(ajv7);
    }
    return ajv7;
  }
  if (!ajv2020) {
    // Schemas are checked against the precompiled meta-schema first (checkDialect2020), so Ajv need not
    // compile the meta-schema itself: that compile alone cost ~40 ms of every cold start.
    ajv2020 = new (construct(Ajv2020Module))({ strict: false, allErrors: true, useDefaults: true, validateSchema: false });
    addFormats(ajv2020);
  }
  return ajv2020;
}

export function isStandardSchema(s: unknown): s is StandardSchemaV1 {
  return typeof s === "object" && s !== null && "~standard" in s && typeof (s as StandardSchemaV1)["~standard"]?.validate === "function";
}

/**
 * compileSchema prepares `schema` for `what` (for example `registerTool "echo": inputSchema`) and throws a
 * TypeError that names the fix when it cannot be used.
 */
export function compileSchema(schema: SchemaInput, what: string, jsonOverride?: Json): CompiledSchema {
  if (isStandardSchema(schema)) {
    const std = schema["~standard"];
    let json = jsonOverride;
    if (!json && std.jsonSchema) {
      try {
        json = std.jsonSchema.input({ target: "draft-2020-12" });
      } catch (err) {
        throw misuse(
          `${what}: the ${std.vendor} schema cannot be converted to JSON Schema (${(err as Error).message}); pass the JSON Schema yourself as the "jsonSchema" option`,
        );
      }
    }
    if (!json)
      throw misuse(
        `${what}: the ${std.vendor} schema does not describe itself as JSON Schema; pass the JSON Schema yourself as the "jsonSchema" option, or use a library version that implements Standard JSON Schema`,
      );
    checkObjectRoot(json, what);
    return {
      json,
      validate: async (value) => {
        const r = await std.validate(value);
        if (r.issues) return { ok: false, message: r.issues.map((i) => `${pathOf(i.path)}${i.message}`).join("; ") };
        return { ok: true, value: r.value };
      },
    };
  }
  if (typeof schema !== "object" || schema === null || Array.isArray(schema))
    throw misuse(`${what}: must be a JSON Schema object or a Standard Schema; got ${schema === null ? "null" : typeof schema}`);
  const json = schema as Json;
  checkObjectRoot(json, what);
  const dialect = typeof json.$schema === "string" ? json.$schema : "";
  if (!/draft-0[4-7]/.test(dialect) && !jsonSchema2020(json)) {
    const e = jsonSchema2020.errors?.[0];
    const where = e?.instancePath ? `at "${e.instancePath.slice(1).replace(/\//g, ".")}" ` : "";
    throw misuse(`${what}: is not a valid JSON Schema 2020-12 (${where}${e?.message ?? "invalid"}); fix the schema`);
  }
  let fn: ReturnType<AjvLike["compile"]>;
  try {
    fn = ajvFor(json).compile(json);
  } catch (err) {
    throw misuse(`${what}: is not a valid JSON Schema (${(err as Error).message}); fix the schema`);
  }
  return {
    json,
    validate: (value) => {
      if (fn(value)) return { ok: true, value };
      const msgs = (fn.errors ?? []).slice(0, 5).map((e) => {
        const where = e.instancePath ? `"${e.instancePath.slice(1).replace(/\//g, ".")}" ` : "";
        if (e.keyword === "required") return `missing required property "${String(e.params.missingProperty)}"`;
        if (e.keyword === "additionalProperties") return `unexpected property "${String(e.params.additionalProperty)}"`;
        return `${where}${e.message ?? "is invalid"}`;
      });
      return { ok: false, message: msgs.join("; ") || "does not match the schema" };
    },
  };
}

function checkObjectRoot(json: Json, what: string): void {
  if (json.type !== "object")
    throw misuse(
      `${what}: the root must have "type": "object" (MCP requires tool schemas to describe an object); wrap the value in an object property`,
    );
}

function pathOf(path: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined): string {
  if (!path || path.length === 0) return "";
  return `"${path.map((p) => String(typeof p === "object" ? p.key : p)).join(".")}": `;
}

/** EMPTY_INPUT_SCHEMA is the input schema of a tool registered without one: an object with no properties. */
export const EMPTY_INPUT_SCHEMA = { type: "object", properties: {} } as const;

/**
 * checkStructuredContent checks a tool result against the tool's output schema (tools.mdx, "Output Schema"): a
 * successful result must carry structuredContent that fits. Undefined when it does, else what is wrong. The
 * server reports a mismatch as its own bug (-32603); the client as a server's bad answer.
 */
export async function checkStructuredContent(
  output: CompiledSchema,
  result: { isError?: boolean; structuredContent?: unknown },
  toolName: string,
): Promise<string | undefined> {
  if (result.isError) return undefined;
  if (result.structuredContent === undefined) return `tool "${toolName}" declares an outputSchema but returned no structuredContent`;
  const checked = await output.validate(result.structuredContent);
  return checked.ok ? undefined : `tool "${toolName}" returned structuredContent that does not match its outputSchema: ${checked.message}`;
}

/** One schema violation: where (a JSON pointer into the value), which keyword, and Ajv's words. */
export interface SchemaViolation {
  pointer: string;
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}

let ajvPlain: AjvLike | undefined;

/**
 * violationsOf compiles a JSON Schema (2020-12 or draft-07) once and returns a checker that lists every violation
 * with its JSON pointer, leaving the value untouched (no defaults filled in): for documents a person wrote, where
 * the message must say where to look.
 */
export function violationsOf(schema: Json): (value: unknown) => SchemaViolation[] {
  if (!ajvPlain) {
    ajvPlain = new (construct(Ajv2020Module))({ strict: false, allErrors: true, validateSchema: false });
    addFormats(ajvPlain);
  }
  const fn = ajvPlain.compile(schema);
  return (value) =>
    fn(value)
      ? []
      : (fn.errors ?? []).map((e) => ({
          pointer: e.instancePath,
          keyword: e.keyword,
          message: e.message ?? "is invalid",
          params: e.params,
        }));
}
