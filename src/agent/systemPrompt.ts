// The agent's system prompt: one template, used as the built-in default, pushed to Braintrust prompts, and shown
// as the `system_prompt` parameter in the Playground. It imports nothing heavy: the braintrust CLI bundles what
// declares the sema4-demo evaluator (evals/sema4-demo/declaration.ts), and this comes along.
import type { PromptDefinition } from "../recorder/types.js";

export const SYSTEM_PROMPT_SLUG = "sql-agent-system";

export const SYSTEM_PROMPT_TEMPLATE = `You are a careful data analyst. You answer questions about a SQLite database by writing one SQL query.

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
