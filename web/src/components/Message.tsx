// One turn of a conversation: who spoke, what they said, and the tools they called with their arguments.
import type { ComponentChildren } from "preact";
import type { MessageView } from "../lib/messages.js";
import { Value } from "./Value.js";

const SPEAKERS: Record<string, string> = { assistant: "Agent", user: "User", system: "System", tool: "Tool" };

function speakerOf(role: string): string {
  return SPEAKERS[role] ?? role;
}

export function Message({
  message,
  title,
  actions,
  id,
  selected,
}: {
  message: MessageView;
  /** Instead of the speaker (e.g. "Model call"). */
  title?: string;
  actions?: ComponentChildren;
  id?: string;
  selected?: boolean;
}) {
  const heading = title ?? speakerOf(message.role);
  return (
    <article id={id} class={`message message-${message.role}${selected ? " selected" : ""}`} aria-label={title ?? `${heading} message`}>
      <header>
        <strong>{heading}</strong>
        {actions}
      </header>
      {message.content && <Value value={message.content} />}
      {message.toolCalls.map((call, i) => (
        <div key={call.id ?? i} class="tool-call">
          <span class="tool-call-name">
            calls <code>{call.name}</code>
          </span>
          <Value value={call.arguments} label={`Arguments of ${call.name}`} />
        </div>
      ))}
    </article>
  );
}

export function ToolResult({
  name,
  args,
  result,
  error,
  actions,
  id,
  selected,
}: {
  name: string;
  args: unknown;
  result: unknown;
  error: unknown;
  actions?: ComponentChildren;
  id?: string;
  selected?: boolean;
}) {
  return (
    <article id={id} class={`message message-tool${error ? " has-error" : ""}${selected ? " selected" : ""}`} aria-label={`Tool ${name}`}>
      <header>
        <strong>
          Tool <code>{name}</code>
        </strong>
        {error ? <span class="outcome outcome-errored">! error</span> : null}
        {actions}
      </header>
      {args !== null && args !== undefined && (
        <details>
          <summary>arguments</summary>
          <Value value={args} label={`Arguments of ${name}`} />
        </details>
      )}
      <Value value={result} label={`Result of ${name}`} />
    </article>
  );
}
