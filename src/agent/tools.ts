// The agent's tools: what the model is told about them, and how a call runs. They touch nothing but the run's
// Sandbox (its shell and its path-checked workspace). submit_sql is declared here and handled by the loop.
import type { ChatCompletionFunctionTool } from "openai/resources/chat/completions";
import { z } from "zod";
import { isAppError, messageOf } from "../errors.js";
import type { Sandbox } from "../sandbox/types.js";

export const SUBMIT_TOOL = "submit_sql";

const schemas = {
  bash_exec: z.object({
    command: z.string().min(1, "command is empty"),
    timeout_ms: z.number().int().positive().optional(),
  }),
  read_file: z.object({ path: z.string().min(1, "path is empty") }),
  write_file: z.object({ path: z.string().min(1, "path is empty"), content: z.string() }),
  list_dir: z.object({ path: z.string().default(".") }),
  [SUBMIT_TOOL]: z.object({
    sql: z.string().min(1, "sql is empty"),
    answer: z.string().default(""),
  }),
};

export type ToolName = keyof typeof schemas;

const fn = (name: ToolName, description: string, properties: Record<string, unknown>, required: string[]): ChatCompletionFunctionTool => ({
  type: "function",
  function: { name, description, parameters: { type: "object", properties, required, additionalProperties: false } },
});

export const TOOL_DEFINITIONS: ChatCompletionFunctionTool[] = [
  fn("bash_exec", "Run a bash command in your working directory (sqlite3 is available). Returns exit code, stdout and stderr.", {
    command: { type: "string", description: "The command line" },
    timeout_ms: { type: "integer", description: "Deadline in milliseconds (optional)" },
  }, ["command"]),
  fn("read_file", "Read a text file from your working directory.", { path: { type: "string" } }, ["path"]),
  fn("write_file", "Write a text file in your working directory (replaces it).", {
    path: { type: "string" },
    content: { type: "string" },
  }, ["path", "content"]),
  fn("list_dir", "List a directory of your working directory.", { path: { type: "string", description: "Default: ." } }, []),
  fn(SUBMIT_TOOL, "Submit your final answer: one read-only SELECT statement whose rows answer the question.", {
    sql: { type: "string", description: "Exactly one SELECT statement" },
    answer: { type: "string", description: "The answer in one sentence" },
  }, ["sql", "answer"]),
];

/** Text returned to the model at most per tool call; the rest is cut with a note. */
const MAX_TOOL_OUTPUT_CHARS = 12_000;

function clip(text: string, max = MAX_TOOL_OUTPUT_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[… ${text.length - max} more characters cut]`;
}

export type ParsedCall =
  | { ok: true; name: ToolName; args: Record<string, any> }
  | { ok: false; name: string; error: string };

/** Validates a tool call's name and JSON arguments; a bad call becomes a message the model can act on. */
export function parseToolCall(name: string, rawArguments: string): ParsedCall {
  if (!(name in schemas)) return { ok: false, name, error: `unknown tool '${name}'; the tools are ${Object.keys(schemas).join(", ")}` };
  let json: unknown;
  try {
    json = rawArguments.trim() === "" ? {} : JSON.parse(rawArguments);
  } catch {
    return { ok: false, name, error: "the arguments are not valid JSON" };
  }
  const parsed = schemas[name as ToolName].safeParse(json);
  if (!parsed.success) {
    return { ok: false, name, error: `invalid arguments: ${parsed.error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`).join("; ")}` };
  }
  return { ok: true, name: name as ToolName, args: parsed.data as Record<string, any> };
}

export interface ToolOutcome {
  /** What the model reads. */
  text: string;
  /** Set when the call failed; the model still reads `text`. */
  error?: string;
  metadata?: Record<string, unknown>;
}

/** Runs one of the four workspace tools. Failures are answers for the model, except cancellation. */
export async function runTool(sandbox: Sandbox, name: Exclude<ToolName, typeof SUBMIT_TOOL>, args: Record<string, any>, signal: AbortSignal): Promise<ToolOutcome> {
  try {
    switch (name) {
      case "bash_exec": {
        const r = await sandbox.exec(args.command, { signal, timeoutMs: args.timeout_ms });
        const notes = [r.truncated ? "[output truncated]" : "", r.timedOut ? "[timed out: the command was killed]" : ""].filter(Boolean);
        const text = [`exit code: ${r.exitCode}`, ...notes, "--- stdout ---", r.stdout, "--- stderr ---", r.stderr].join("\n");
        return {
          text: clip(text),
          error: r.timedOut ? "timed out" : undefined,
          metadata: { exit_code: r.exitCode, truncated: r.truncated, timed_out: r.timedOut },
        };
      }
      case "read_file":
        return { text: clip(await sandbox.readFile(args.path)) };
      case "write_file":
        await sandbox.writeFile(args.path, args.content);
        return { text: `wrote ${Buffer.byteLength(args.content)} bytes to ${args.path}` };
      case "list_dir": {
        const entries = await sandbox.listDir(args.path);
        const lines = entries.map((e) => (e.type === "dir" ? `${e.name}/` : e.type === "file" ? `${e.name}\t${e.size} bytes` : `${e.name}\t(${e.type})`));
        return { text: clip(lines.length ? lines.join("\n") : "(empty)") };
      }
    }
  } catch (e) {
    if (signal.aborted) throw e;
    const message = isAppError(e) ? e.message : messageOf(e);
    return { text: `error: ${message}`, error: message };
  }
}
