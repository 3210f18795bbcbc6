// One simulation's messages (tau2, or tau-bench v1's OpenAI chat format) as the spans a reviewer reads in a trace:
// an LLM span per agent or user-simulator message (its new context in, the message out) and a tool span per tool
// result (the call's arguments in, the result out), in conversation order.
import { createHash } from "node:crypto";
import type { SpanType } from "../../recorder/types.js";
import type { MessageRecord, ToolCallRecord } from "../compute/resultsFormats.js";
import { redactSecrets } from "../../lib/redactSecrets.js";

export interface SpanSpec {
  id: string;
  name: string;
  type: SpanType;
  input: unknown;
  output: unknown;
  error?: string;
  metadata: Record<string, unknown>;
  metrics: Record<string, number>;
  /** Seconds since the epoch, when the file says. */
  start?: number;
  end?: number;
}

interface ToolCall {
  id: string | null;
  name: string;
  arguments: unknown;
  requestor: string | null;
  at?: number;
}

export interface Speakers {
  /** The models behind the agent and the user simulator, for the LLM spans' metadata. */
  agentModel: string | null;
  userModel: string | null;
}

/** The spans of one conversation; ids are `parentId.<position>`, so that a re-ingest rewrites the same rows. */
export function conversationSpans(messages: readonly MessageRecord[], parentId: string, speakers: Speakers): SpanSpec[] {
  const flat = messages.flatMap((m) => (m.role === "tool" && m.tool_messages ? m.tool_messages : [m])) as MessageRecord[];
  const spans: SpanSpec[] = [];
  const openCalls: ToolCall[] = [];
  // What each speaker has not seen yet: the input of its next LLM call.
  const unseen: Record<"assistant" | "user", unknown[]> = { assistant: [], user: [] };
  let previousAt: number | undefined;
  flat.forEach((m, index) => {
    const at = epochSeconds(m.timestamp);
    const id = `${parentId}.${index}`;
    if (m.role === "assistant" || m.role === "user") {
      const calls = (m.tool_calls ?? []).map((c) => toolCall(c, m.role, at));
      openCalls.push(...calls);
      const output = chatMessage(m.role, m.content, calls);
      const generation = typeof m.generation_time_seconds === "number" ? m.generation_time_seconds : undefined;
      spans.push({
        id,
        name: m.role === "assistant" ? "agent" : "user simulator",
        type: "llm",
        input: unseen[m.role],
        output,
        metadata: compact({
          model: m.role === "assistant" ? speakers.agentModel : speakers.userModel,
          turn_idx: m.turn_idx,
          timestamp: m.timestamp,
          // Not a metric: stores add a trace's metrics up, and the row already carries the run's cost.
          cost: m.cost,
        }),
        metrics: llmMetrics(m),
        ...times(at !== undefined && generation !== undefined ? at - generation : previousAt, at),
      });
      unseen[m.role] = [];
      unseen[m.role === "assistant" ? "user" : "assistant"].push(output);
    } else if (m.role === "tool") {
      const call = takeCall(openCalls, m);
      const content = m.content ?? null;
      const requestor = m.requestor ?? call?.requestor;
      spans.push({
        id,
        name: call?.name ?? m.name ?? "tool",
        type: "tool",
        input: call?.arguments ?? null,
        output: content,
        ...(m.error === true ? { error: typeof content === "string" ? content : "tool error" } : {}),
        metadata: compact({ tool_call_id: call?.id ?? m.id ?? m.tool_call_id, requestor, turn_idx: m.turn_idx }),
        metrics: {},
        ...times(call?.at ?? previousAt, at),
      });
      unseen[requestor === "user" ? "user" : "assistant"].push(toolResultMessage(call, m));
    } else {
      // tau-bench v1 opens with the agent's system prompt (the policy).
      unseen.assistant.push({ role: m.role, content: m.content ?? null });
    }
    if (at !== undefined) previousAt = at;
  });
  return spans;
}

/** A stable UUID-shaped id from a key (the same key always gives the same id). */
export function deterministicId(key: string): string {
  const h = createHash("sha1").update(key).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A naive ISO timestamp (tau2 writes local time without a zone) read as UTC, in seconds since the epoch. */
export function epochSeconds(timestamp: unknown): number | undefined {
  if (typeof timestamp !== "string" || timestamp === "") return undefined;
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/.test(timestamp) ? timestamp : `${timestamp}Z`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

function toolCall(c: ToolCallRecord, requestor: string, at: number | undefined): ToolCall {
  const fn = c.function;
  // Redacted here, before the LLM span's output turns them into a JSON string that key-based redaction cannot see.
  const args = redactSecrets(fn ? parseArguments(fn.arguments) : c.arguments);
  return {
    id: c.id === null || c.id === undefined || c.id === "" ? null : String(c.id),
    name: c.name ?? fn?.name ?? "tool",
    arguments: args ?? null,
    requestor: c.requestor ?? requestor,
    at,
  };
}

/** OpenAI-format tool arguments are a JSON string; tau2's are already an object. */
function parseArguments(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The call a tool result answers: by id, or (trimmed files drop ids) the oldest call still open. */
function takeCall(open: ToolCall[], m: MessageRecord): ToolCall | undefined {
  const id = m.id ?? m.tool_call_id;
  let at = id === null || id === undefined ? -1 : open.findIndex((c) => c.id === String(id));
  if (at < 0) at = open.findIndex((c) => c.id === null || id === null || id === undefined);
  if (at < 0) return undefined;
  return open.splice(at, 1)[0];
}

function chatMessage(role: string, content: unknown, calls: ToolCall[]): Record<string, unknown> {
  const message: Record<string, unknown> = { role, content: content ?? null };
  if (calls.length > 0) {
    message.tool_calls = calls.map((c) => ({
      ...(c.id === null ? {} : { id: c.id }),
      type: "function",
      function: { name: c.name, arguments: JSON.stringify(c.arguments) },
    }));
  }
  return message;
}

function toolResultMessage(call: ToolCall | undefined, m: MessageRecord): Record<string, unknown> {
  const id = call?.id ?? m.id ?? m.tool_call_id;
  return compact({ role: "tool", tool_call_id: id === undefined || id === null ? undefined : String(id), content: m.content ?? null });
}

function llmMetrics(m: MessageRecord): Record<string, number> {
  const metrics: Record<string, number> = {};
  const usage = m.usage ?? {};
  const prompt = usage.prompt_tokens;
  const completion = usage.completion_tokens;
  if (typeof prompt === "number") metrics.prompt_tokens = prompt;
  if (typeof completion === "number") metrics.completion_tokens = completion;
  if (typeof prompt === "number" && typeof completion === "number") metrics.tokens = prompt + completion;
  return metrics;
}

function times(start: number | undefined, end: number | undefined): { start?: number; end?: number } {
  if (end === undefined) return {};
  return { start: start !== undefined && start <= end ? start : end, end };
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}
