// Rendering the agent's system prompt (systemPrompt.ts) with the braintrust SDK's Prompt, so a prompt edited in the
// Playground renders exactly like the built-in one ({{db_path}}, {{schema}}, {{question}}); and the schema it shows.
import Database from "better-sqlite3";
import { Prompt, promptDefinitionToPromptData } from "braintrust";
import { promptParameterDefault, SYSTEM_PROMPT_SLUG } from "./systemPrompt.js";

/** What the agent needs from a prompt: the braintrust SDK's Prompt has it. */
export interface PromptLike {
  build(args: unknown): { messages: unknown[]; model?: unknown; [param: string]: unknown };
}

export interface PromptVariables {
  db_path: string;
  schema: string;
  question: string;
}

export function defaultPrompt(model: string): PromptLike {
  return Prompt.fromPromptData(SYSTEM_PROMPT_SLUG, promptDefinitionToPromptData(promptParameterDefault(model)));
}

/** Chat parameters a prompt may carry that the agent passes on; anything else in it (its tools) is ignored. */
const PASSED_PARAMS = ["temperature", "top_p", "max_tokens", "max_completion_tokens", "seed", "reasoning_effort"];

export interface BuiltPrompt {
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  params: Record<string, unknown>;
}

/**
 * Renders the prompt; the question is appended as the user's message unless the prompt already places it. The
 * prompt's own model is not used: the run's model (the `model` parameter, the request's, AGENT_MODEL) is.
 */
export function buildPrompt(prompt: PromptLike, vars: PromptVariables): BuiltPrompt {
  const built = prompt.build(vars);
  const messages = (built.messages as { role: string; content: unknown }[]).map((m) => ({
    role: m.role as BuiltPrompt["messages"][number]["role"],
    content: typeof m.content === "string" ? m.content : JSON.stringify(m.content),
  }));
  if (!messages.some((m) => m.role === "user")) messages.push({ role: "user", content: vars.question });
  const params = Object.fromEntries(PASSED_PARAMS.filter((k) => built[k] !== undefined).map((k) => [k, built[k]]));
  return { messages, params };
}

/** The CREATE statements as stored in the database: what the prompt shows the model. */
export function readSchema(dbFile: string): string {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
      .all() as { sql: string }[];
    return rows.map((r) => `${r.sql};`).join("\n");
  } finally {
    db.close();
  }
}
