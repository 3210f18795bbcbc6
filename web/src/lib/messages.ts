// Reading chat messages out of spans: tau2's conversation spans (the message is the output), the agent's model
// calls (OpenAI choices), and tool calls whose arguments are JSON text.
import type { Span } from "../../../src/viewer/schemas.js";

interface ToolCallView {
  id: string | null;
  name: string;
  arguments: unknown;
}

export interface MessageView {
  role: string;
  content: string | null;
  toolCalls: ToolCallView[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** JSON text read as the value it holds; anything else as it is. */
export function parseJsonText(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function contentText(content: unknown): string | null {
  if (content === null || content === undefined) return null;
  if (typeof content === "string") return content;
  // OpenAI content parts: [{type: "text", text}].
  if (Array.isArray(content)) {
    return content.map((p) => (isRecord(p) && typeof p.text === "string" ? p.text : JSON.stringify(p))).join("\n");
  }
  return JSON.stringify(content, null, 2);
}

function toolCalls(value: unknown): ToolCallView[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((c) => {
    const fn = isRecord(c.function) ? c.function : c;
    return {
      id: typeof c.id === "string" ? c.id : null,
      name: typeof fn.name === "string" ? fn.name : "tool",
      arguments: parseJsonText(fn.arguments),
    };
  });
}

/** The message a value holds: {role, content, tool_calls}, or an OpenAI choice/choices around one. */
export function messageOf(value: unknown): MessageView | null {
  const first = Array.isArray(value) ? value[0] : value;
  const message = isRecord(first) && isRecord(first.message) ? first.message : first;
  if (!isRecord(message) || typeof message.role !== "string") return null;
  return { role: message.role, content: contentText(message.content), toolCalls: toolCalls(message.tool_calls) };
}

/** A line that says what a span holds, for the waterfall: the start of its message or result. */
export function spanPreview(span: Span): string {
  const message = messageOf(span.output);
  if (message) {
    if (message.content) return message.content;
    if (message.toolCalls.length > 0) return message.toolCalls.map((c) => `${c.name}(…)`).join(", ");
  }
  if (span.type === "tool") return typeof span.output === "string" ? span.output : "";
  return "";
}

export function spanSeconds(span: Pick<Span, "start" | "end">): number | null {
  return span.start !== null && span.end !== null ? Math.max(0, span.end - span.start) : null;
}
