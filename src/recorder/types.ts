// The Recorder is where results go: Braintrust (through the SDK) or the local SQLite store.
import type { LocalStore } from "./localStore.js";
// Its span type is the structural subset of the braintrust SDK's Span, so an SDK span (for example the
// task span of a Playground eval) can be handed to code written against this interface.

export type SpanType = "eval" | "task" | "score" | "llm" | "tool" | "function" | "automation" | "facet" | "classifier";

export interface SpanEvent {
  input?: unknown;
  output?: unknown;
  expected?: unknown;
  error?: unknown;
  tags?: string[];
  scores?: Record<string, number | null>;
  metadata?: Record<string, unknown>;
  metrics?: Record<string, number>;
  id?: string;
  /** The dataset record an experiment row ran on (Braintrust links the row to it; ingest sets it). */
  origin?: { object_type: "dataset"; object_id: string; id: string };
}

export interface StartSpanArgs {
  name?: string;
  type?: SpanType;
  event?: SpanEvent;
  /** Seconds since the epoch, for spans that replay something that happened earlier (ingest). */
  startTime?: number;
}

export interface RecorderSpan {
  readonly id: string;
  readonly spanId: string;
  readonly rootSpanId: string;
  log(event: SpanEvent): void;
  startSpan(args?: StartSpanArgs): RecorderSpan;
  /** Returns the end time in seconds since the epoch. */
  end(args?: { endTime?: number }): number;
}

export interface DatasetRow {
  /** Deterministic id: a second upsert of the same id replaces the row instead of adding one. */
  id: string;
  input: unknown;
  expected?: unknown;
  metadata?: Record<string, unknown>;
  tags?: string[];
}

export interface UpsertResult {
  rows: number;
  newRows: number;
}

export interface DatasetHandle {
  readonly name: string;
  id(): Promise<string>;
  upsert(rows: DatasetRow[]): Promise<UpsertResult>;
}

export interface ExperimentOptions {
  /** Reuse the experiment of that name instead of creating a new one (idempotent re-ingest). */
  update?: boolean;
  dataset?: DatasetHandle;
  metadata?: Record<string, unknown>;
  description?: string;
  /**
   * Bulk writing (ingest): rows may be held back and written together, becoming visible at the latest on
   * `flush()`, as with the Braintrust SDK's queue. Every span must be ended to be written.
   */
  bulk?: boolean;
}

export interface ExperimentHandle {
  readonly name: string;
  id(): Promise<string>;
  /** A link to open the experiment, where the store has one. */
  url(): Promise<string | undefined>;
  /** A root span (one experiment row). Pass `event.id` for a deterministic row id. */
  startSpan(args?: StartSpanArgs): RecorderSpan;
  /** Ids of the root rows the experiment held before this handle wrote anything (to tell what is new). */
  existingRowIds(): Promise<Set<string>>;
  flush(): Promise<void>;
}

export interface PromptDefinition {
  slug: string;
  name: string;
  description?: string;
  model: string;
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  params?: Record<string, unknown>;
}

export interface Recorder {
  readonly kind: "braintrust" | "local";
  /** What this recorder wrote, to be read back (the local store); none for Braintrust, whose own UI reads it. */
  readonly reader?: LocalStore;
  dataset(project: string, name: string): DatasetHandle;
  experiment(project: string, name: string, options?: ExperimentOptions): Promise<ExperimentHandle>;
  /** A root span in the project's logs (agent runs outside an eval). */
  logSpan(project: string, args?: StartSpanArgs): RecorderSpan;
  /** Creates or updates a prompt; returns whether anything changed. */
  upsertPrompt(project: string, prompt: PromptDefinition): Promise<{ id: string; changed: boolean }>;
  flush(): Promise<void>;
  close(): Promise<void>;
}
