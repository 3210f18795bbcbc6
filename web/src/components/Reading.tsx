// A trace's content written for reading, by kind: a tau2 task and its trials' conversations (agent, user, tool
// calls with arguments and results), an agent run (model calls, tool calls, the submitted SQL, the result table
// and the score), an eval case (input, output, expected and scores).
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import type { Span, TraceKind } from "../../../src/viewer/schemas.js";
import { OUTCOMES, trialSpanOutcome } from "../lib/outcome.js";
import { messageOf, parseJsonText } from "../lib/messages.js";
import { Message, ToolResult } from "./Message.js";
import { Readable } from "./Readable.js";
import { Value } from "./Value.js";

export interface TraceIndex {
  byId: Map<string, Span>;
  /** Children in start order. */
  children: Map<string, Span[]>;
  root: Span;
}

export function indexTrace(spans: readonly Span[], rows: readonly { span: Span }[]): TraceIndex {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, Span[]>();
  for (const { span } of rows) {
    if (span.parentSpanId === null || !byId.has(span.parentSpanId)) continue;
    const list = children.get(span.parentSpanId);
    if (list) list.push(span);
    else children.set(span.parentSpanId, [span]);
  }
  const root = rows[0]?.span ?? spans[0];
  return { byId, children, root };
}

export interface SpanLinker {
  href: (spanId: string) => string;
  select: (spanId: string) => void;
}

function SpanLink({ spanId, linker, children, label }: { spanId: string; linker: SpanLinker; children: ComponentChildren; label?: string }) {
  return (
    <a
      href={linker.href(spanId)}
      aria-label={label}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        linker.select(spanId);
      }}
    >
      {children}
    </a>
  );
}

/** A span whose children are conversation turns (a tau2 trial). */
function isConversation(index: TraceIndex, span: Span): boolean {
  return (index.children.get(span.spanId) ?? []).some((c) => c.type === "llm" || c.type === "tool");
}

/** The span whose reading view shows the selected one: a tau2 message is read within its conversation. */
export function contextSpan(kind: TraceKind, index: TraceIndex, selected: Span): Span {
  if (kind === "tau2") {
    if (isConversation(index, selected)) return selected;
    const parent = selected.parentSpanId ? index.byId.get(selected.parentSpanId) : undefined;
    return parent && isConversation(index, parent) ? parent : selected;
  }
  return index.root;
}

export type ReadingView = "tau2-trial" | "tau2-task" | "agent-run" | "eval-case";

/** Which reading view a context span has, if any (other spans are read through their fields). */
export function readingView(kind: TraceKind, index: TraceIndex, context: Span): ReadingView | null {
  if (kind === "tau2" && isConversation(index, context)) return "tau2-trial";
  if (context.spanId !== index.root.spanId) return null;
  return kind === "tau2" ? "tau2-task" : kind === "agent" ? "agent-run" : "eval-case";
}

export function Reading({ view, index, context, selected, linker }: { view: ReadingView; index: TraceIndex; context: Span; selected: Span; linker: SpanLinker }) {
  // The selected turn is scrolled into view when it is not the whole view.
  useEffect(() => {
    if (selected.spanId === context.spanId) return;
    document.getElementById(turnId(selected.spanId))?.scrollIntoView({ block: "nearest" });
  }, [selected.spanId, context.spanId]);
  if (view === "tau2-trial") return <Tau2Trial trial={context} index={index} selected={selected} linker={linker} />;
  if (view === "tau2-task") return <Tau2Task root={context} index={index} linker={linker} />;
  if (view === "agent-run") return <AgentRun root={context} index={index} selected={selected} linker={linker} />;
  return <EvalCase root={context} index={index} linker={linker} />;
}

const turnId = (spanId: string) => `turn-${spanId}`;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="reading-section">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

/** The turns of a conversation, in order, each linking to its span. */
function Conversation({ turns, selected, linker }: { turns: readonly Span[]; selected: Span; linker: SpanLinker }) {
  return (
    <ol class="conversation">
      {turns.map((t) => {
        const link = (
          <SpanLink spanId={t.spanId} linker={linker} label={`Show span ${t.name ?? t.type ?? ""}`}>
            span
          </SpanLink>
        );
        const message = t.type === "llm" ? messageOf(t.output) : null;
        return (
          <li key={t.spanId}>
            {message ? (
              <Message message={message} actions={link} id={turnId(t.spanId)} selected={t.spanId === selected.spanId} />
            ) : t.type === "tool" ? (
              <ToolResult
                name={t.name ?? "tool"}
                args={t.input}
                result={parseJsonText(t.output)}
                error={t.error}
                actions={link}
                id={turnId(t.spanId)}
                selected={t.spanId === selected.spanId}
              />
            ) : (
              <article id={turnId(t.spanId)} class={`message${t.spanId === selected.spanId ? " selected" : ""}`}>
                <header>
                  <strong>{t.name ?? t.type}</strong> {link}
                </header>
                <Value value={t.output ?? t.input} />
              </article>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function Tau2Trial({ trial, index, selected, linker }: { trial: Span; index: TraceIndex; selected: Span; linker: SpanLinker }) {
  const output = isRecord(trial.output) ? trial.output : {};
  const reward = typeof output.reward === "number" ? output.reward : null;
  const outcome = trialSpanOutcome(trial);
  const turns = index.children.get(trial.spanId) ?? [];
  return (
    <div class="reading tau2-trial">
      <p class="trial-result">
        <span class={`outcome outcome-${outcome}`}>
          <span aria-hidden="true">{OUTCOMES[outcome].symbol}</span> {OUTCOMES[outcome].label}
        </span>{" "}
        reward {reward ?? "–"} · ended by <code>{String(output.termination_reason ?? "unknown")}</code> · {turns.length} turns
      </p>
      {output.reward_info !== undefined && output.reward_info !== null && (
        <details>
          <summary>How the reward was computed</summary>
          <Value value={output.reward_info} />
        </details>
      )}
      <Section title="Conversation">
        <Conversation turns={turns} selected={selected} linker={linker} />
      </Section>
    </div>
  );
}

function Tau2Task({ root, index, linker }: { root: Span; index: TraceIndex; linker: SpanLinker }) {
  const input = isRecord(root.input) ? root.input : {};
  const trials = index.children.get(root.spanId) ?? [];
  return (
    <div class="reading tau2-task">
      <Section title="Trials">
        <ul class="trial-list">
          {trials.map((t) => {
            const out = isRecord(t.output) ? t.output : {};
            const outcome = trialSpanOutcome(t);
            return (
              <li key={t.spanId}>
                <SpanLink spanId={t.spanId} linker={linker}>
                  <span class={`cell cell-${outcome}`} aria-hidden="true">
                    {OUTCOMES[outcome].symbol}
                  </span>{" "}
                  {t.name}: {OUTCOMES[outcome].label}
                </SpanLink>{" "}
                <span class="muted">{String(out.termination_reason ?? "")}</span>
              </li>
            );
          })}
        </ul>
      </Section>
      {input.description !== undefined && (
        <Section title="Task">
          <Readable value={input.description} />
        </Section>
      )}
      {input.user_scenario !== undefined && (
        <Section title="User scenario">
          <Readable value={input.user_scenario} />
        </Section>
      )}
      <Section title="Expected (evaluation criteria)">
        <Value value={root.expected} />
      </Section>
    </div>
  );
}

function ResultTable({ columns, rows }: { columns: unknown; rows: unknown }) {
  if (!Array.isArray(columns) || !Array.isArray(rows)) return <Value value={rows} />;
  return (
    <div class="table-scroll">
      <table class="data compact result-table">
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th scope="col" key={i}>
                {String(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {(Array.isArray(r) ? r : columns.map((c) => (isRecord(r) ? r[String(c)] : r))).map((v, j) => (
                <td key={j}>{v === null ? <span class="muted">NULL</span> : typeof v === "object" ? JSON.stringify(v) : String(v)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Scores({ scores }: { scores: Span["scores"] }) {
  if (!scores || Object.keys(scores).length === 0) return <p class="muted">No score.</p>;
  return (
    <ul class="scores">
      {Object.entries(scores).map(([name, v]) => (
        <li key={name}>
          <code>{name}</code>: <strong>{v === null ? "–" : v}</strong>
        </li>
      ))}
    </ul>
  );
}

function AgentRun({ root, index, selected, linker }: { root: Span; index: TraceIndex; selected: Span; linker: SpanLinker }) {
  const input = isRecord(root.input) ? root.input : {};
  const output = isRecord(root.output) ? root.output : {};
  const steps = index.children.get(root.spanId) ?? [];
  return (
    <div class="reading agent-run">
      <Section title="Question">
        <p>{String(input.question ?? "–")}</p>
      </Section>
      <Section title="Answer">
        <p>{output.answer === null || output.answer === undefined ? <span class="muted">no answer</span> : String(output.answer)}</p>
        {root.error ? <p class="failure">{String(root.error)}</p> : null}
      </Section>
      <Section title="Submitted SQL">
        {typeof output.sql === "string" ? <pre class="sql">{output.sql}</pre> : <p class="muted">none</p>}
      </Section>
      <Section title={`Result${typeof output.row_count === "number" ? ` (${output.row_count} rows)` : ""}`}>
        <ResultTable columns={output.columns} rows={output.rows} />
      </Section>
      <Section title="Score">
        <Scores scores={root.scores} />
      </Section>
      <Section title="Steps">
        <ol class="conversation">
          {steps.map((s) => {
            const link = (
              <SpanLink spanId={s.spanId} linker={linker} label={`Show span ${s.name ?? ""}`}>
                span
              </SpanLink>
            );
            const message = s.type === "llm" ? messageOf(s.output) : null;
            return (
              <li key={s.spanId}>
                {s.type === "llm" ? (
                  <>
                    <Message
                      message={message ?? { role: "assistant", content: null, toolCalls: [] }}
                      title="Model call"
                      actions={
                        <>
                          <span class="muted">{String((isRecord(s.metadata) && s.metadata.model) || s.name || "")}</span> {link}
                        </>
                      }
                      id={turnId(s.spanId)}
                      selected={s.spanId === selected.spanId}
                    />
                    {s.error ? <p class="failure">{String(s.error)}</p> : null}
                  </>
                ) : (
                  <ToolResult
                    name={s.name ?? "tool"}
                    args={s.input}
                    result={parseJsonText(s.output)}
                    error={s.error}
                    actions={link}
                    id={turnId(s.spanId)}
                    selected={s.spanId === selected.spanId}
                  />
                )}
              </li>
            );
          })}
        </ol>
      </Section>
    </div>
  );
}

function EvalCase({ root, index, linker }: { root: Span; index: TraceIndex; linker: SpanLinker }) {
  const scoreSpans = (index.children.get(root.spanId) ?? []).filter((s) => s.type === "score");
  return (
    <div class="reading eval-case">
      <Section title="Input">
        <Readable value={root.input} />
      </Section>
      <Section title="Output">
        <Value value={root.output} />
      </Section>
      <Section title="Expected">
        <Value value={root.expected} />
      </Section>
      {root.error ? (
        <Section title="Error">
          <Value value={root.error} />
        </Section>
      ) : null}
      <Section title="Scores">
        <Scores scores={root.scores} />
        {scoreSpans.length > 0 && (
          <ul class="score-spans">
            {scoreSpans.map((s) => (
              <li key={s.spanId}>
                <SpanLink spanId={s.spanId} linker={linker}>
                  {s.name ?? "scorer"}
                </SpanLink>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}
