// Evaluator parameters: how /list describes them (docs/devserver-protocol.md §7.2) and how /eval validates a
// request's values against them before anything runs (§9.4).
import { Prompt, promptDefinitionToPromptData } from "braintrust";
import { toJSONSchema } from "zod";
import { zodToJsonSchema as zodV3ToJsonSchema } from "zod-to-json-schema";
import { AppError, messageOf } from "../../errors.js";

type Json = Record<string, unknown>;

interface PromptDecl {
  type: "prompt";
  default?: Parameters<typeof promptDefinitionToPromptData>[0] & { tools?: unknown };
  description?: string;
}
interface ModelDecl {
  type: "model";
  default?: string;
  description?: string;
}
interface SchemaDecl {
  parse(value: unknown): unknown;
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isPrompt = (v: unknown): v is PromptDecl => isObject(v) && v.type === "prompt";
const isModel = (v: unknown): v is ModelDecl => isObject(v) && v.type === "model";
const isSchema = (v: unknown): v is SchemaDecl => isObject(v) && typeof v.parse === "function";

/** Drops keys whose value is null or undefined: one `null` optional field makes the Playground reject all of /list. */
function withoutEmpty<T extends Json>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && v !== undefined)) as T;
}

function zodToJsonSchema(schema: SchemaDecl): Json {
  if (isObject(schema) && "_zod" in schema) {
    return toJSONSchema(schema as never, { target: "draft-7" });
  }
  return zodV3ToJsonSchema(schema as never);
}

function serializeOne(name: string, decl: unknown): Json {
  if (isPrompt(decl)) {
    return withoutEmpty({
      type: "prompt",
      default: decl.default ? promptDefinitionToPromptData(decl.default, decl.default.tools as never) : undefined,
      description: decl.description,
    });
  }
  if (isModel(decl)) {
    return withoutEmpty({ type: "model", default: decl.default, description: decl.description });
  }
  if (isSchema(decl)) {
    const schema = zodToJsonSchema(decl);
    return withoutEmpty({ type: "data", schema, default: schema.default, description: schema.description });
  }
  throw new Error(`Parameter '${name}' is neither a prompt, a model nor a zod schema`);
}

/** The static-parameters container of /list, or undefined when the evaluator declares none. */
export function serializeParameters(declared: unknown): Json | undefined {
  if (!isObject(declared)) return undefined;
  const schema = Object.fromEntries(Object.entries(declared).map(([name, decl]) => [name, serializeOne(name, decl)]));
  // `source: null` explicitly: older Playground builds required it.
  return { type: "braintrust.staticParameters", schema, source: null };
}

/** What a JSON schema accepts, in words: said when a value is refused. */
function allowedBy(schema: Json): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  const bound = (key: string) => {
    const v = schema[key];
    return typeof v === "number" && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v : undefined;
  };
  const [min, max] = [bound("minimum"), bound("maximum")];
  const range =
    min !== undefined && max !== undefined ? ` from ${min} to ${max}` : min !== undefined ? ` of at least ${min}` : max !== undefined ? ` of at most ${max}` : "";
  switch (schema.type) {
    case "integer":
      return `a whole number${range}`;
    case "number":
      return `a number${range}`;
    case "string":
      return "a string";
    case "boolean":
      return "true or false";
    case "array":
      return "an array";
    case "object":
      return isObject(schema.properties) ? `an object with ${Object.keys(schema.properties).join(", ")}` : "an object";
    default:
      return `a value of the JSON schema ${JSON.stringify(schema).slice(0, 200)}`;
  }
}

/** A zod (v3 or v4) refusal as one sentence: each issue, the value sent, what the parameter takes. */
function schemaRefusal(e: unknown, decl: SchemaDecl, value: unknown): string {
  const issues = (e as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
  const reasons = Array.isArray(issues)
    ? issues.map((i) => (i.path.length > 0 ? `${i.path.map(String).join(".")}: ${i.message}` : i.message)).join("; ")
    : messageOf(e);
  const sent = value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value)).slice(0, 100);
  let allowed: string;
  try {
    allowed = allowedBy(zodToJsonSchema(decl));
  } catch {
    return `${reasons} (sent: ${sent})`;
  }
  return `${reasons} (sent: ${sent}); send ${allowed}`;
}

function validateOne(name: string, decl: unknown, value: unknown): unknown {
  if (isPrompt(decl)) {
    if (value !== undefined && value !== null) {
      if (!isObject(value)) throw new Error("expected a prompt object ({prompt, options})");
      return Prompt.fromPromptData(name, value);
    }
    if (!decl.default) throw new Error("required: send a prompt object ({prompt, options})");
    return Prompt.fromPromptData(name, promptDefinitionToPromptData(decl.default, decl.default.tools as never));
  }
  if (isModel(decl)) {
    const model = value ?? decl.default;
    if (model === undefined) throw new Error("required: send a model name (a string)");
    if (typeof model !== "string") throw new Error(`expected a model name (a string), got ${JSON.stringify(model)?.slice(0, 100)}`);
    return model;
  }
  if (isSchema(decl)) {
    try {
      return decl.parse(value);
    } catch (e) {
      throw new Error(schemaRefusal(e, decl, value), { cause: e });
    }
  }
  throw new Error(`Parameter '${name}' has an unknown declaration`);
}

/**
 * Validates request values against the declared parameters, applying defaults. Declared names only, as in
 * `braintrust eval --dev`; without declarations the request's values pass through. A bad value is a 400 naming the
 * parameter.
 */
export function validateParameters(values: Json | null | undefined, declared: unknown): Json {
  const given = values ?? {};
  if (!isObject(declared)) return given;
  const out: Json = {};
  for (const [name, decl] of Object.entries(declared)) {
    try {
      out[name] = validateOne(name, decl, given[name]);
    } catch (e) {
      throw new AppError("INVALID_PARAMETER", `Invalid parameter '${name}': ${messageOf(e)}`);
    }
  }
  return out;
}
