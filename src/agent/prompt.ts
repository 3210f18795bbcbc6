// The agent's system prompt: one template, used as the built-in default, pushed to Braintrust prompts, and shown
// as the `system_prompt` parameter in the Playground. Rendered by the braintrust SDK's Prompt, so a prompt edited
// in the Playground renders exactly like the built-in one ({{db_path}}, {{schema}}, {{question}}).
import Database from "better-sqlite3";
import { Prompt, promptDefinitionToPromptData } from "braintrust";
import type { PromptDefinition } from "../recorder/types.js";

const SYSTEM_PROMPT_SLUG = "sql-agent-system";

const SYSTEM_PROMPT_TEMPLATE = `You are a careful data analyst. You answer questions about a SQLite database by writing one SQL query.

The database is the file {{db_path}}. It is read-only. Its schema:

{{schema}}

Explore before you answer: run \`sqlite3 -header {{db_path}} "<query>"\` with bash_exec to look at the data (NULLs, distinct
values, date formats, duplicates). Files you write with write_file stay in your working directory.

When you are sure, call submit_sql with exactly one read-only SELECT statement and a one-sentence answer. The rows
that query returns are your answer, so:
- return exactly the columns the question asks for, in that order, and nothing else;
- order the rows only when the question asks for an order;
- keep full precision unless the question asks for rounding.
If the query fails or returns nothing, you will be told why: fix it and call submit_sql again.`;

/** What the agent needs from a prompt: the braintrust SDK's Prompt has it. */
export interface PromptLike {
  build(args: unknown): { messages: unknown[]; model?: unknown; [param: string]: unknown };
}

export interface PromptVariables {
  db_path: string;
  schema: string;
  question: string;
}

export function systemPromptDefinition(model: string): PromptDefinition {
  return {
    slug: SYSTEM_PROMPT_SLUG,
    name: "SQL agent system prompt",
    description: "System prompt of the sema4-demo SQL agent; {{db_path}} and {{schema}} are filled in per run.",
    model,
    messages: [{ role: "system", content: SYSTEM_PROMPT_TEMPLATE }],
  };
}

/** The parameter default the Playground shows and `validateParameters` turns into a Prompt. */
export function promptParameterDefault(model: string) {
  return { model, messages: [{ role: "system" as const, content: SYSTEM_PROMPT_TEMPLATE }] };
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
