/**
 * Form-mode elicitation checks: the requested schema must be the spec's restricted subset (a flat object
 * of primitives, SEP-1034 defaults, SEP-1330 enums), and accepted content must fit it.
 */
import { misuse } from "../protocol/errors.js";
import { ElicitRequestFormParams } from "../protocol/generated/validators.js";
import { checkAgainst } from "../protocol/validate.js";

type Prop = {
  type?: string;
  enum?: unknown[];
  oneOf?: { const: unknown }[];
  items?: { enum?: unknown[]; anyOf?: { const: unknown }[] };
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
};
type Schema = { properties?: Record<string, Prop>; required?: string[] };

/** checkElicitationSchema throws a TypeError naming the fix when `schema` is outside the restricted subset. */
export function checkElicitationSchema(schema: unknown): void {
  const problem = checkAgainst(ElicitRequestFormParams, { message: "", requestedSchema: schema });
  if (problem)
    throw misuse(
      `elicit: requestedSchema must be a flat object of string, number, integer, boolean or enum properties (elicitation.mdx): ${problem.replace("requestedSchema.", "")}`,
    );
}

/** validateElicitedContent returns a message when accepted `content` does not fit `schema`. */
export function validateElicitedContent(schema: Schema, content: unknown): string | undefined {
  if (content === undefined) content = {};
  if (typeof content !== "object" || content === null || Array.isArray(content)) return "content must be an object";
  const c = content as Record<string, unknown>;
  for (const name of schema.required ?? []) if (!(name in c)) return `missing required field "${name}"`;
  for (const [name, value] of Object.entries(c)) {
    const p = schema.properties?.[name];
    if (!p) return `unexpected field "${name}"`;
    const allowed = p.enum ?? p.oneOf?.map((o) => o.const);
    switch (p.type) {
      case "string":
        if (typeof value !== "string") return `"${name}" must be a string`;
        if (allowed && !allowed.includes(value)) return `"${name}" must be one of ${JSON.stringify(allowed)}`;
        if (p.minLength !== undefined && value.length < p.minLength) return `"${name}" must have at least ${p.minLength} characters`;
        if (p.maxLength !== undefined && value.length > p.maxLength) return `"${name}" must have at most ${p.maxLength} characters`;
        break;
      case "number":
      case "integer":
        if (typeof value !== "number" || (p.type === "integer" && !Number.isInteger(value)))
          return `"${name}" must be ${p.type === "integer" ? "an integer" : "a number"}`;
        if (p.minimum !== undefined && value < p.minimum) return `"${name}" must be >= ${p.minimum}`;
        if (p.maximum !== undefined && value > p.maximum) return `"${name}" must be <= ${p.maximum}`;
        break;
      case "boolean":
        if (typeof value !== "boolean") return `"${name}" must be a boolean`;
        break;
      case "array": {
        if (!Array.isArray(value)) return `"${name}" must be an array`;
        const items = p.items?.enum ?? p.items?.anyOf?.map((o) => o.const);
        if (items && value.some((v) => !items.includes(v))) return `"${name}" items must be among ${JSON.stringify(items)}`;
        if (p.minItems !== undefined && value.length < p.minItems) return `"${name}" must have at least ${p.minItems} items`;
        if (p.maxItems !== undefined && value.length > p.maxItems) return `"${name}" must have at most ${p.maxItems} items`;
        break;
      }
    }
  }
  return undefined;
}
