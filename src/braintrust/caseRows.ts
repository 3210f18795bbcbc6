// The spans the runner opens for each case (its `eval` root, its `task` and `score` spans) as rows built here and
// handed to the SDK's background logger together when the case ends. The rows are those the SDK's own spans would
// send, merged as its logger merges them, without what those spans cost on every call: a stack capture for
// `context.caller_*` fields that would only name this runner (the SDK leaves them off root rows too), a deep copy
// of each event as it is logged, and a queued partial row per log to be merged again at flush.
//
// Spans a task or scorer opens inside ours (`traced()`, wrapOpenAI, `span.startSpan()`) are the SDK's own spans,
// parented to ours; ours are the current span while the runner's callbacks run, as the SDK's would be.
import {
  deepCopyEvent,
  LazyValue,
  logError,
  NOOP_SPAN_PERMALINK,
  permalink,
  SpanImpl,
  withCurrent,
  type BraintrustState,
  type Span,
  type StartSpanArgs,
} from "braintrust";
import { mergeDicts, SpanComponentsV4 } from "braintrust/util";

type Row = Record<string, unknown>;

/** Where a run's rows go: an experiment, or the Playground's log under its parent span. */
export interface RowParent {
  state: BraintrustState;
  /** SpanObjectTypeV3: 1 experiment, 2 project logs, 3 playground logs. */
  objectType: number;
  objectId: string;
  /** The parent row, when the rows nest under one (a Playground parent that names its span). */
  parentSpanIds?: { spanId: string; rootSpanId: string };
  /** Merged into every row (the Playground's `span_attributes.generation`). */
  propagatedEvent?: Record<string, unknown>;
}

interface RowSpanArgs {
  name?: string;
  type?: string;
  spanAttributes?: Record<string, unknown>;
  event?: Record<string, unknown>;
  propagatedEvent?: Record<string, unknown>;
}

const SDK_VERSION = "3.35.0";
let execCounter = 0;

/** The SDK's checks of a logged event (`validateAndSanitizeExperimentLogPartialArgs`): a bad score throws. */
function sanitized(event: Row): Row {
  const scores = event.scores as Record<string, unknown> | undefined;
  if (scores) {
    if (Array.isArray(scores)) throw new Error("scores must be an object, not an array");
    for (const [name, raw] of Object.entries(scores)) {
      if (raw === null || raw === undefined) continue;
      let score = raw;
      if (typeof score === "boolean") score = scores[name] = score ? 1 : 0;
      if (typeof score !== "number") throw new Error("score values must be numbers");
      if (score < 0 || score > 1) throw new Error("score values must be between 0 and 1");
    }
  }
  const metrics = event.metrics as Record<string, unknown> | undefined;
  for (const value of Object.values(metrics ?? {})) {
    if (value !== undefined && typeof value !== "number") throw new Error("metric values must be numbers");
  }
  if (event.input && event.inputs) throw new Error("Only one of input or inputs (deprecated) can be specified. Prefer input.");
  if (Array.isArray(event.tags)) {
    const seen = new Set<unknown>();
    for (const tag of event.tags) {
      if (typeof tag !== "string") throw new Error("tags must be strings");
      if (seen.has(tag)) throw new Error(`duplicate tag: ${tag}`);
      seen.add(tag);
    }
  }
  if ("inputs" in event) {
    const { inputs, ...rest } = event;
    return { input: inputs, ...rest };
  }
  return { ...event };
}

const now = () => Date.now() / 1000;

/** A run's parent, with what every row and child span of it needs, computed once. */
interface RunParent extends RowParent {
  objectIdFields: Row;
  /** Resolved: SDK code reads it synchronously (getParentInfo). */
  lazyObjectId: LazyValue<string>;
}

/** One case's spans: its rows, written together once the root ends. */
class CaseRows {
  private readonly pending: Row[] = [];
  private open = 0;

  constructor(readonly parent: RunParent) {}

  opened(): void {
    this.open++;
  }

  /** A span's finished row; the last one to finish sends them all. */
  finished(row: Row): void {
    this.pending.push(row);
    if (--this.open === 0) this.send(this.pending.splice(0));
  }

  /** What a span logs once its case was sent: one more row, merged into its own by Braintrust. */
  late(row: Row): void {
    this.send([row]);
  }

  /** Copied now, as the SDK copies an event when it is logged: what a task does with its values later stays out. */
  private send(rows: Row[]): void {
    const copies = rows.map((row) => ({ ...deepCopyEvent(row), ...this.parent.objectIdFields }));
    this.parent.state.bgLogger().log(copies.map((copy) => new LazyValue(async () => copy as never)));
  }
}

class RowSpan {
  readonly kind = "span";
  readonly id: string;
  readonly spanId: string;
  readonly rootSpanId: string;
  readonly spanParents: string[];
  private readonly row: Row;
  private ended = false;

  constructor(
    private readonly rows: CaseRows,
    args: RowSpanArgs,
    parentSpanIds: { spanId: string; rootSpanId: string } | undefined,
    readonly propagatedEvent: Record<string, unknown> | undefined,
    /** The runner's own root: its children are rows too; a task's or scorer's are the SDK's. */
    private readonly childrenAreRows: boolean,
  ) {
    const { state } = rows.parent;
    const raw: Row = { ...(args.event ?? {}) };
    if (propagatedEvent) mergeDicts(raw, propagatedEvent);
    const { id, ...event } = raw;
    this.id = (id as string | undefined) ?? state.idGenerator.getSpanId();
    this.spanId = state.idGenerator.getSpanId();
    this.rootSpanId = parentSpanIds?.rootSpanId ?? (state.idGenerator.shareRootSpanId() ? this.spanId : state.idGenerator.getTraceId());
    this.spanParents = parentSpanIds ? [parentSpanIds.spanId] : [];
    const environment = (state as unknown as { spanOriginEnvironment?: unknown }).spanOriginEnvironment;
    this.row = {
      id: this.id,
      span_id: this.spanId,
      root_span_id: this.rootSpanId,
      ...(parentSpanIds ? { span_parents: this.spanParents } : {}),
      metrics: { start: now() },
      context: {
        span_origin: {
          name: "braintrust.sdk.javascript",
          version: SDK_VERSION,
          instrumentation: { name: "braintrust-js-logger" },
          ...(environment ? { environment } : {}),
        },
      },
      span_attributes: { name: args.name, type: args.type, ...(args.spanAttributes ?? {}), exec_counter: execCounter++ },
      created: new Date().toISOString(),
      _is_merge: false,
    };
    mergeDicts(this.row, sanitized(event));
    rows.opened();
  }

  log(event: Row): void {
    this.merge(sanitized(event));
  }

  private merge(fields: Row): void {
    if (!this.ended) mergeDicts(this.row, fields);
    else this.rows.late({ id: this.id, span_id: this.spanId, root_span_id: this.rootSpanId, ...fields, _is_merge: true });
  }

  end(args?: { endTime?: number }): number {
    const metrics = this.row.metrics as { start: number; end?: number };
    if (this.ended) return metrics.end!;
    metrics.end ??= args?.endTime ?? now();
    this.ended = true;
    this.rows.finished(this.row);
    return metrics.end;
  }

  close(args?: { endTime?: number }): number {
    return this.end(args);
  }

  startSpan(args?: RowSpanArgs & StartSpanArgs): Span {
    const ids = { spanId: this.spanId, rootSpanId: this.rootSpanId };
    const propagatedEvent = args?.propagatedEvent ?? this.propagatedEvent;
    if (this.childrenAreRows) return new RowSpan(this.rows, args ?? {}, ids, propagatedEvent, false) as unknown as Span;
    return this.sdkSpan(args, ids, propagatedEvent);
  }

  startSpanWithParents(spanId: string, spanParents: string[], args?: StartSpanArgs): Span {
    return this.sdkSpan({ ...args, spanId }, { parentSpanIds: spanParents, rootSpanId: this.rootSpanId }, args?.propagatedEvent ?? this.propagatedEvent);
  }

  /** A span of the SDK's own under this one, as SpanImpl.startSpan makes it. */
  private sdkSpan(args: StartSpanArgs | undefined, parentSpanIds: unknown, propagatedEvent: Record<string, unknown> | undefined): Span {
    const { parent } = this.rows;
    return new SpanImpl({
      ...args,
      state: parent.state,
      parentObjectType: parent.objectType,
      parentObjectId: parent.lazyObjectId,
      parentSpanIds,
      propagatedEvent,
    } as never);
  }

  getParentInfo() {
    return { objectType: this.rows.parent.objectType, objectId: this.rows.parent.lazyObjectId, computeObjectMetadataArgs: undefined };
  }

  traced<R>(callback: (span: Span) => R, args?: RowSpanArgs & StartSpanArgs & { setCurrent?: boolean }): R {
    const { setCurrent, ...rest } = args ?? {};
    const span = this.startSpan(rest);
    return runTraced(span, callback, setCurrent ?? true);
  }

  async export(): Promise<string> {
    const { parent } = this.rows;
    return new SpanComponentsV4({
      object_type: parent.objectType,
      object_id: parent.objectId,
      row_id: this.id,
      span_id: this.spanId,
      root_span_id: this.rootSpanId,
      propagated_event: this.propagatedEvent,
    }).toStr();
  }

  async permalink(): Promise<string> {
    return permalink(await this.export(), { state: this.rows.parent.state });
  }

  /** The SDK needs the experiment's URL for a link; permalink() has it. */
  link(): string {
    return NOOP_SPAN_PERMALINK;
  }

  setAttributes(attributes: Record<string, unknown>): void {
    this.merge({ span_attributes: attributes });
  }

  async flush(): Promise<void> {
    await this.rows.parent.state.bgLogger().flush();
  }

  state(): BraintrustState {
    return this.rows.parent.state;
  }
}

/** The SDK's `traced`: the span is current while the callback runs, records what it throws, and ends after it. */
function runTraced<R>(span: Span, callback: (span: Span) => R, setCurrent: boolean): R {
  let result: R;
  try {
    result = setCurrent ? withCurrent(span, callback) : callback(span);
  } catch (e) {
    logError(span, e);
    span.end();
    throw e;
  }
  if (typeof (result as { then?: unknown } | undefined)?.then === "function") {
    return (result as Promise<unknown>).then(
      (value) => {
        span.end();
        return value;
      },
      (e: unknown) => {
        logError(span, e);
        span.end();
        throw e;
      },
    ) as R;
  }
  span.end();
  return result;
}

/** What opens a case's root span under `parent`: the runner's `openRootSpan`. */
export async function rowRoots(parent: RowParent) {
  const lazyObjectId = new LazyValue(async () => parent.objectId);
  await lazyObjectId.get();
  const run: RunParent = {
    ...parent,
    lazyObjectId,
    objectIdFields: { ...new SpanComponentsV4({ object_type: parent.objectType, object_id: parent.objectId }).objectIdFields() },
  };
  return <R>(args: RowSpanArgs, callback: (span: Span) => Promise<R>): Promise<R> => {
    const rows = new CaseRows(run);
    const root = new RowSpan(rows, args, parent.parentSpanIds, parent.propagatedEvent, true);
    return runTraced(root as unknown as Span, callback, true);
  };
}
