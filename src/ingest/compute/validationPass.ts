// Pass 1 over one file: scan it, parse and check every item, and keep what the write pass and the metrics need
// (a small summary and the byte range of each task and simulation). Nothing is stored; any error is a 400.
import { throwIfCancelled } from "../cancelled.js";
import { isUtf8 } from "node:buffer";
import type { z } from "zod";
import { AppError } from "../../errors.js";
import type { ByteBudget } from "../read/byteBudget.js";
import { headersTooLarge, itemTooLarge, memoryBusy } from "../read/ingestLimits.js";
import type { ItemRef } from "../read/itemReader.js";
import { JsonScanError, JsonScanner, ValueTooLargeError, type ScannedValue } from "../read/jsonScanner.js";
import { parseItem } from "../read/parseItem.js";
import {
  elementKind,
  firstIssue,
  objectKind,
  simulationSchema,
  taskSchema,
  v1ResultSchema,
  type FileKind,
  type MessageRecord,
} from "./resultsFormats.js";

export interface TaskEntry {
  id: string;
  /** The task object (tau2), or the first run of the task, whose info.task defines it (tau-bench v1). */
  ref: ItemRef;
}

export interface SimulationSummary {
  ref: ItemRef;
  /** Position in the file's list (or of its file in a directory run). */
  index: number;
  id: string | null;
  taskId: string;
  trial: number | null;
  reward: number | null;
  termination: string | null;
  agentCost: number | null;
  userCost: number | null;
  duration: number | null;
  /** Assistant and user messages. */
  turns: number;
  startTime: string | null;
  endTime: string | null;
}

export interface ValidatedFile {
  /** How messages and the response name the file: as it was given. */
  name: string;
  /** How stored experiments name it: no path of the machine it came from. */
  label: string;
  /** Where the write pass reads the bytes: the file itself, or its decompressed / uploaded copy. */
  path: string;
  size: number;
  kind: FileKind;
  /** Top-level values other than tasks and simulations (info, timestamp, …), parsed, not yet redacted. */
  header: Record<string, unknown>;
  /** The bytes of those values (0 for a directory run's simulation file, whose values become its simulation). */
  headerBytes: number;
  tasks: TaskEntry[];
  simulations: SimulationSummary[];
  /** tau-bench v1 files name no domain; the policy heading of the first conversation does. */
  domainHint: string | null;
  warnings: string[];
}

export interface ValidateOptions {
  name: string;
  label: string;
  path: string;
  /** The largest single item (task, simulation, header value) accepted; the header values together too. */
  maxItemBytes: number;
  /** Shared with the other ingests: the bytes of the item being parsed are taken from it, refused when it is full. */
  memory: ByteBudget;
  signal?: AbortSignal;
  /** Called after each chunk with the bytes read and simulations checked so far. */
  onChunk?: (bytes: number, simulations: number) => void;
}

const STREAMED_KEYS: ReadonlySet<string> = new Set(["tasks", "simulations"]);

export async function validateChunks(chunks: AsyncIterable<Buffer>, options: ValidateOptions): Promise<ValidatedFile> {
  const validator = new FileValidator(options);
  const { memory } = options;
  const scanner = new JsonScanner({
    streamedKeys: STREAMED_KEYS,
    maxValueBytes: options.maxItemBytes,
    holding: {
      take: (bytes) => {
        if (!memory.tryTake(bytes)) throw memoryBusy(memory);
      },
      give: (bytes) => memory.give(bytes),
    },
    onValue: (v) => validator.onValue(v),
    onKey: (k) => validator.keys.add(k),
  });
  try {
    for await (const chunk of chunks) {
      throwIfCancelled(options.signal);
      scanner.push(chunk);
      options.onChunk?.(scanner.position, validator.simulations.length);
    }
    scanner.end();
  } catch (error) {
    if (error instanceof ValueTooLargeError) throw itemTooLarge(options.name, error.value, error.offset, error.limit);
    if (error instanceof JsonScanError) {
      throw new AppError("BAD_REQUEST", `${options.name}: invalid JSON: ${error.message}`, {
        details: { file: options.name, offset: error.offset },
      });
    }
    throw error;
  } finally {
    scanner.close();
  }
  return validator.finish(scanner.rootKind, scanner.position);
}

class FileValidator {
  readonly keys = new Set<string>();
  readonly header: Record<string, unknown> = {};
  private headerBytes = 0;
  readonly tasks: TaskEntry[] = [];
  readonly simulations: SimulationSummary[] = [];
  private readonly warnings: string[] = [];
  private readonly taskIds = new Set<string>();
  private elements: "tau-bench-v1" | "simulation-list" | undefined;
  private domainHint: string | null = null;
  /** A top-level value held NaN / Infinity (a directory run's simulation file is re-read whole). */
  private headerNonFinite = false;

  constructor(private readonly options: ValidateOptions) {}

  onValue(v: ScannedValue): void {
    if (v.key === null) return this.onElement(v);
    const where = v.index < 0 ? v.key : `${v.key}[${v.index}]`;
    if (v.index < 0) {
      // Kept until the ingest is written, so they count together.
      this.headerBytes += v.bytes.length;
      if (this.headerBytes > this.options.maxItemBytes) throw headersTooLarge(this.options.name, this.options.maxItemBytes);
      const parsed = this.parse(v, where, "utf8");
      const value = parsed.value;
      this.headerNonFinite ||= parsed.nonFinite;
      if (STREAMED_KEYS.has(v.key) && value !== null) {
        this.fail(`"${v.key}" must be an array`, v.key, v.offset);
      }
      this.header[v.key] = value;
    } else if (v.key === "tasks") {
      this.addTask(v, where);
    } else {
      this.addSimulation(v, where);
    }
  }

  finish(rootKind: "object" | "array" | undefined, size: number): ValidatedFile {
    let kind: FileKind | undefined;
    if (rootKind === "array") {
      kind = this.elements ?? "simulation-list";
    } else {
      kind = objectKind(this.keys);
      if (kind === "tau2-dir-simulation") {
        // The write pass reads the whole file as the simulation, whitespace included.
        if (size > this.options.maxItemBytes) throw itemTooLarge(this.options.name, "the simulation", 0, this.options.maxItemBytes);
        const ref = { offset: 0, length: size, nonFinite: this.headerNonFinite };
        this.simulations.push(this.summarize(this.check(simulationSchema, this.header, "the simulation", 0), ref, 0));
        for (const key of Object.keys(this.header)) delete this.header[key];
        this.headerBytes = 0;
      }
    }
    if (!kind) {
      throw new AppError(
        "BAD_REQUEST",
        `${this.options.name}: not a tau-bench / tau2-bench results file (expected a tau2 Results object with ` +
          `"info", "tasks" and "simulations", a tau2 results.json or simulation file, or a JSON array of runs)`,
        { details: { file: this.options.name, field: "(top level)" } },
      );
    }
    return {
      name: this.options.name,
      label: this.options.label,
      path: this.options.path,
      size,
      kind,
      header: this.header,
      headerBytes: this.headerBytes,
      tasks: this.tasks,
      simulations: this.simulations,
      domainHint: this.domainHint,
      warnings: this.warnings,
    };
  }

  private onElement(v: ScannedValue): void {
    const where = `[${v.index}]`;
    const parsed = this.parse(v, where, "latin1");
    const kind = elementKind(parsed.value);
    this.elements ??= kind;
    if (!kind || kind !== this.elements) {
      const problem = kind ? "mixes tau-bench v1 runs and tau2 simulations" : "is neither a tau2 simulation nor a tau-bench v1 run";
      this.fail(`${where} ${problem}`, where, v.offset);
    }
    if (kind === "simulation-list") return this.addSimulation(v, where, parsed);
    const ascii = this.check(v1ResultSchema, parsed.value, where, v.offset);
    const run = hasNonAscii(String(ascii.task_id)) ? this.reparse(v, where, parsed, v1ResultSchema) : ascii;
    const ref = refOf(v, parsed.nonFinite);
    const taskId = String(run.task_id);
    if (!this.taskIds.has(taskId) && run.info?.task) {
      this.taskIds.add(taskId);
      this.tasks.push({ id: taskId, ref });
    }
    if (this.domainHint === null) this.domainHint = policyDomain(run.traj?.[0]);
    this.simulations.push({
      ref,
      index: v.index,
      id: null,
      taskId,
      trial: run.trial ?? null,
      reward: finite(run.reward),
      termination: null,
      agentCost: null,
      userCost: finite(run.info?.user_cost),
      duration: null,
      turns: countTurns(run.traj),
      startTime: null,
      endTime: null,
    });
  }

  private addTask(v: ScannedValue, where: string): void {
    const parsed = this.parse(v, where, "latin1");
    let task = this.check(taskSchema, parsed.value, where, v.offset);
    if (hasNonAscii(String(task.id))) task = this.reparse(v, where, parsed, taskSchema);
    const id = String(task.id);
    if (this.taskIds.has(id)) {
      this.warnings.push(`${this.options.name}: task "${id}" is listed twice; the first definition is kept`);
      return;
    }
    this.taskIds.add(id);
    this.tasks.push({ id, ref: refOf(v, parsed.nonFinite) });
  }

  private addSimulation(v: ScannedValue, where: string, parsed = this.parse(v, where, "latin1")): void {
    const ref = refOf(v, parsed.nonFinite);
    let sim = this.check(simulationSchema, parsed.value, where, v.offset);
    let summary = this.summarize(sim, ref, v.index);
    if ([summary.taskId, summary.id, summary.termination, summary.startTime, summary.endTime].some(hasNonAscii)) {
      sim = this.reparse(v, where, parsed, simulationSchema);
      summary = this.summarize(sim, ref, v.index);
    }
    this.simulations.push(summary);
  }

  private summarize(sim: z.infer<typeof simulationSchema>, ref: ItemRef, index: number): SimulationSummary {
    return {
      ref,
      index,
      id: sim.id === null || sim.id === undefined ? null : String(sim.id),
      taskId: String(sim.task_id),
      trial: sim.trial ?? null,
      reward: finite(sim.reward_info?.reward),
      termination: sim.termination_reason ?? null,
      agentCost: finite(sim.agent_cost),
      userCost: finite(sim.user_cost),
      duration: finite(sim.duration),
      turns: countTurns(sim.messages),
      startTime: sim.start_time ?? null,
      endTime: sim.end_time ?? null,
    };
  }

  private parse(v: ScannedValue, item: string, encoding: "latin1" | "utf8") {
    // JSON is UTF-8; reading latin1 (or UTF-8 with replacement characters) would take any other byte silently.
    if (!isUtf8(v.bytes)) this.fail(`${item} is not valid UTF-8`, item, v.offset);
    return parseItem(v.bytes, encoding, { file: this.options.name, item, offset: v.offset });
  }

  /** Parses again as UTF-8, for the rare item whose strings we keep are not ASCII. */
  private reparse<S extends z.ZodType>(v: ScannedValue, where: string, first: { nonFinite: boolean }, schema: S) {
    const value = parseItem(v.bytes, "utf8", { file: this.options.name, item: where, offset: v.offset }, first.nonFinite);
    return this.check(schema, value.value, where, v.offset);
  }

  private check<S extends z.ZodType>(schema: S, value: unknown, where: string, offset: number): z.infer<S> {
    const result = schema.safeParse(value);
    if (!result.success) {
      const { field, message } = firstIssue(where, result.error);
      this.fail(`${field}: ${message}`, field, offset);
    }
    return result.data;
  }

  private fail(problem: string, field: string, offset: number): never {
    throw new AppError("VALIDATION_FAILED", `${this.options.name}: ${problem} (in the item at byte ${offset})`, {
      details: { file: this.options.name, offset, field },
    });
  }
}

function refOf(v: ScannedValue, nonFinite: boolean): ItemRef {
  return { offset: v.offset, length: v.bytes.length, nonFinite };
}

function finite(n: number | null | undefined): number | null {
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}

function countTurns(messages: readonly MessageRecord[] | null | undefined): number {
  let turns = 0;
  for (const m of messages ?? []) if (m.role === "assistant" || m.role === "user") turns++;
  return turns;
}

const NON_ASCII = /[\x80-\uffff]/;
function hasNonAscii(s: string | null): boolean {
  return s !== null && NON_ASCII.test(s);
}

/** "# Airline Agent Policy" → "airline" (tau-bench v1 names its domain nowhere else). */
function policyDomain(first: MessageRecord | undefined): string | null {
  if (first?.role !== "system" || typeof first.content !== "string") return null;
  const heading = /^\s*#\s*([A-Za-z][\w-]*)\s+agent\s+policy/i.exec(first.content);
  return heading ? heading[1].toLowerCase() : null;
}
