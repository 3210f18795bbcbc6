// Evaluator parameters: how /list describes them (docs/devserver-protocol.md §7.2) and how /eval validates a
// request's values against them before anything runs (§9.4). /list is built without the braintrust SDK (loaded for
// the first eval).
import { toJSONSchema } from "zod";
import { loadSdk } from "../../braintrust/sdk.js";
import { AppError, messageOf } from "../../errors.js";

type Json = Record<string, unknown>;

/** A prompt as evaluators declare its default (the SDK's PromptDefinition, with tools). */
export type PromptDefinition = ({ messages: unknown[] } | { prompt: string }) & {
  model: string;
  params?: Json;
  templateFormat?: "mustache" | "nunjucks" | "none";
  tools?: unknown[];
};

interface PromptDecl {
  type: "prompt";
  default?: PromptDefinition;
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

/** A zod 4 schema as JSON Schema; zod 3 ones (from an eval file's own zod 3) through zod-to-json-schema. */
async function zodToJsonSchema(schema: SchemaDecl): Promise<Json> {
  if (isObject(schema) && "_zod" in schema) {
    return toJSONSchema(schema as never, { target: "draft-7" });
  }
  const { zodToJsonSchema: zodV3ToJsonSchema } = await import("zod-to-json-schema");
  return zodV3ToJsonSchema(schema as never);
}

/**
 * The SDK's promptDefinitionToPromptData, so that /list needs no SDK; test/unit/parameters.test.ts holds the two
 * to the same output.
 */
export function promptDataOf(definition: PromptDefinition): Json {
  const { tools } = definition;
  const prompt =
    "messages" in definition
      ? { type: "chat", messages: definition.messages, tools: tools && tools.length > 0 ? JSON.stringify(tools) : undefined }
      : { type: "completion", content: definition.prompt };
  return {
    prompt,
    options: { model: definition.model, params: definition.params },
    ...(definition.templateFormat ? { template_format: definition.templateFormat } : {}),
  };
}

async function serializeOne(name: string, decl: unknown): Promise<Json> {
  if (isPrompt(decl)) {
    return withoutEmpty({
      type: "prompt",
      default: decl.default ? promptDataOf(decl.default) : undefined,
      description: decl.description,
    });
  }
  if (isModel(decl)) {
    return withoutEmpty({ type: "model", default: decl.default, description: decl.description });
  }
  if (isSchema(decl)) {
    const schema = await zodToJsonSchema(decl);
    return withoutEmpty({ type: "data", schema, default: schema.default, description: schema.description });
  }
  throw new Error(`Parameter '${name}' is neither a prompt, a model nor a zod schema`);
}

/** The static-parameters container of /list, or undefined when the evaluator declares none. */
export async function serializeParameters(declared: unknown): Promise<Json | undefined> {
  if (!isObject(declared)) return undefined;
  const entries = await Promise.all(Object.entries(declared).map(async ([name, decl]) => [name, await serializeOne(name, decl)]));
  // `source: null` explicitly: older Playground builds required it.
  return { type: "braintrust.staticParameters", schema: Object.fromEntries(entries), source: null };
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
async function schemaRefusal(e: unknown, decl: SchemaDecl, value: unknown): Promise<string> {
  const issues = (e as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
  const reasons = Array.isArray(issues)
    ? issues.map((i) => (i.path.length > 0 ? `${i.path.map(String).join(".")}: ${i.message}` : i.message)).join("; ")
    : messageOf(e);
  const sent = value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value)).slice(0, 100);
  let allowed: string;
  try {
    allowed = allowedBy(await zodToJsonSchema(decl));
  } catch {
    return `${reasons} (sent: ${sent})`;
  }
  return `${reasons} (sent: ${sent}); send ${allowed}`;
}

async function validateOne(name: string, decl: unknown, value: unknown): Promise<unknown> {
  if (isPrompt(decl)) {
    const { Prompt } = await loadSdk();
    if (value !== undefined && value !== null) {
      if (!isObject(value)) throw new Error("expected a prompt object ({prompt, options})");
      return Prompt.fromPromptData(name, value);
    }
    if (!decl.default) throw new Error("required: send a prompt object ({prompt, options})");
    return Prompt.fromPromptData(name, promptDataOf(decl.default));
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
      throw new Error(await schemaRefusal(e, decl, value), { cause: e });
    }
  }
  throw new Error(`Parameter '${name}' has an unknown declaration`);
}

/**
 * Validates request values against the declared parameters, applying defaults. Declared names only, as in
 * `braintrust eval --dev`; without declarations the request's values pass through. A bad value is a 400 naming the
 * parameter.
 */
export async function validateParameters(values: Json | null | undefined, declared: unknown): Promise<Json> {
  const given = values ?? {};
  if (!isObject(declared)) return given;
  const out: Json = {};
  for (const [name, decl] of Object.entries(declared)) {
    try {
      out[name] = await validateOne(name, decl, given[name]);
    } catch (e) {
      throw new AppError("INVALID_PARAMETER", `Invalid parameter '${name}': ${messageOf(e)}`);
    }
  }
  return out;
}
