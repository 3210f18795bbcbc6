// Ingest as a job: files are added one by one (each validated as it streams in, uploads spooled to disk), then
// committed: metrics computed, then dataset rows and experiments written. Nothing is written before every file of
// the job has passed validation, so a bad file leaves the store untouched.
// Its parts are in folders by stage, read/ (bytes in), compute/ (what the files say), write/ (to the Recorder): each
// imports only from the stages before it and redactSecrets.ts, never from this file.
import { ingestCancelled, throwIfCancelled } from "./cancelled.js";
import { createReadStream } from "node:fs";
import { mkdir, open, rm, stat, type FileHandle } from "node:fs/promises";
import { basename } from "node:path";
import { AppError } from "../errors.js";
import type { BootstrapOptions } from "../metrics/bootstrap.js";
import type { Recorder } from "../recorder/types.js";
import { groupRuns, type Run } from "./compute/groupRuns.js";
import { buildComparisons, summarizeRun, type ComparisonReport, type RunMetricsReport } from "./compute/metricsReport.js";
import { defaultDatasetName, experimentNames } from "./compute/naming.js";
import { validateChunks, type ValidatedFile } from "./compute/validationPass.js";
import { gunzipIfNeeded, READ_CHUNK_BYTES, startsWithGzipMagic } from "./read/decompressedStream.js";
import { byteLimit } from "../lib/byteLimit.js";
import { expandPaths } from "./read/expandPaths.js";
import { headersTooLarge, spoolBusy, spoolTooLarge, type IngestLimits } from "./read/ingestLimits.js";
import { ItemReader } from "./read/itemReader.js";
import { spoolPath } from "./read/spoolFiles.js";
import { redactText } from "../lib/redactSecrets.js";
import { writeDataset, writeExperiment, type WriteContext } from "./write/writePass.js";

export interface IngestSettings {
  recorder: Recorder;
  /** The project when the request names none. */
  project: string;
  /** Where uploads and decompressed files are kept between the two passes. */
  spoolDir: string;
  /** Sizes and the budgets this job shares with the other ingests of the process. */
  limits: IngestLimits;
  bootstrap?: BootstrapOptions;
}

export interface IngestControl {
  signal?: AbortSignal;
  onProgress?: (progress: IngestProgress) => void;
}

/** Where the results go; a multipart upload may name them after its files. */
export interface IngestNames {
  /** Experiment names, in the order of the runs; runs without one get a name from their model. */
  experiments?: string[];
  dataset?: string;
  project?: string;
}

export type IngestProgress =
  | { phase: "validate"; file: string; bytes: number; total_bytes: number | null; simulations: number }
  | { phase: "write"; experiment: string; simulations: number; total_simulations: number };

export interface DatasetReport {
  name: string;
  rows: number;
  new_rows: number;
}

export interface ExperimentReport {
  name: string;
  file: string;
  format: string;
  dataset: string;
  domain: string;
  model: string | null;
  reasoning_effort: string | null;
  user_model: string | null;
  tasks: number;
  simulations: number;
  new_rows: number;
  metrics: RunMetricsReport;
  url?: string;
}

export interface IngestReport {
  /** The (first) dataset written; `datasets` lists all when the files span several domains. */
  dataset: DatasetReport | null;
  datasets: DatasetReport[];
  experiments: ExperimentReport[];
  /** Each experiment against the earliest one before it that shares tasks with it, on those tasks. */
  comparisons: ComparisonReport[];
  warnings: string[];
}

/** Below this many tasks a percentile bootstrap under-covers (docs/sql-scoring.md §5). */
const FEW_TASKS = 20;
/** Progress events at most this often per file or experiment: one per chunk or simulation would flood an SSE client. */
const PROGRESS_INTERVAL_MS = 100;

export class IngestJob {
  private readonly files: ValidatedFile[] = [];
  private readonly spooled: string[] = [];
  private disposed = false;
  /** What this job holds of the shared spool budget. */
  private spoolBytes = 0;
  /** What the header values of its files hold, kept until the job is written. */
  private headerBytes = 0;
  private lastProgress = 0;
  private lastStep = "";

  constructor(
    private readonly settings: IngestSettings,
    private readonly control: IngestControl = {},
  ) {}

  /**
   * A file on disk (plain or gzip): validated in place, or decompressed to the spool as it is read. Messages name
   * it by its path, what is stored by `label`.
   */
  async addFile(path: string, label = basename(path)): Promise<void> {
    const size = (await stat(path)).size;
    const gzip = await startsWithGzipMagic(path);
    const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
    if (gzip) return this.addStream(path, stream, label);
    this.keep(await this.validate({ name: path, label }, path, stream, size));
  }

  /** An upload or any stream (plain or gzip): spooled to disk while it is validated. */
  async addStream(name: string, stream: AsyncIterable<Buffer>, label = basename(name)): Promise<void> {
    await mkdir(this.settings.spoolDir, { recursive: true });
    const path = spoolPath(this.settings.spoolDir);
    this.spooled.push(path);
    const spool = await open(path, "w");
    try {
      // Disposed while the file was being opened (the server is closing): nothing may stay behind.
      if (this.disposed) throw ingestCancelled();
      const tooLarge = () => new AppError("PAYLOAD_TOO_LARGE", `${name}: larger than ${this.settings.limits.maxFileBytes} bytes`, { details: { file: name } });
      const chunks = byteLimit(this.settings.limits.maxFileBytes, tooLarge)(gunzipIfNeeded(stream, name));
      this.keep(await this.validate({ name, label }, path, this.spoolTo(spool, chunks, name), null));
    } finally {
      await spool.close();
      if (this.disposed) await rm(path, { force: true });
    }
  }

  /** Writes everything added; call once. */
  async commit(request: IngestNames = {}): Promise<IngestReport> {
    const { recorder, bootstrap } = this.settings;
    const project = request.project ?? this.settings.project;
    const runs = groupRuns(this.files);
    if (runs.length === 0) throw new AppError("BAD_REQUEST", "no results file was sent");
    const warnings = runs.flatMap((r) => r.warnings);
    const names = experimentNames(runs, request.experiments ?? [], warnings);
    const datasetNames = runs.map((r) => request.dataset ?? defaultDatasetName(r.header));
    const summaries = runs.map((run) => summarizeRun(run, bootstrap));
    summaries.forEach(({ metrics }, i) => {
      if (metrics.tasks > 0 && metrics.tasks < FEW_TASKS) {
        warnings.push(`${runs[i].name}: ${metrics.tasks} task(s): bootstrap intervals over so few tasks are too narrow`);
      }
    });
    throwIfCancelled(this.control.signal);

    const reader = new ItemReader(this.settings.limits.memory, this.control.signal);
    try {
      const ctx: WriteContext = { recorder, reader, project, signal: this.control.signal };
      const datasets: DatasetReport[] = [];
      const byDataset = new Map<string, Awaited<ReturnType<typeof writeDataset>> & { handle: ReturnType<Recorder["dataset"]> }>();
      for (const name of new Set(datasetNames)) {
        const members = runs.filter((_, i) => datasetNames[i] === name);
        const handle = recorder.dataset(project, name);
        const written = await writeDataset(handle, members, ctx);
        byDataset.set(name, { ...written, handle });
        datasets.push({ name, rows: written.rows, new_rows: written.newRows });
        if (written.conflicts.length > 0) {
          warnings.push(
            `dataset "${name}": ${written.conflicts.length} task id(s) defined differently by two of these files ` +
              `(e.g. "${written.conflicts[0]}"); the first file's definition is kept`,
          );
        }
      }
      const experiments: ExperimentReport[] = [];
      for (const [i, run] of runs.entries()) {
        const dataset = byDataset.get(datasetNames[i])!;
        const summary = summaries[i];
        let written = 0;
        const onSimulation = () => {
          written++;
          this.progress({ phase: "write", experiment: names[i], simulations: written, total_simulations: run.simulations.length });
        };
        const { experiment, newRows } = await writeExperiment(
          run,
          {
            name: names[i],
            dataset: dataset.handle,
            definitions: dataset.definitions,
            metrics: summary.metrics,
            metadata: experimentMetadata(run, summary.report),
          },
          { ...ctx, onSimulation },
        );
        this.progress({ phase: "write", experiment: names[i], simulations: written, total_simulations: run.simulations.length }, true);
        const url = await experiment.url();
        experiments.push({
          name: experiment.name,
          file: run.name,
          format: run.header.format,
          dataset: datasetNames[i],
          domain: run.header.domain,
          model: run.header.agentModel,
          reasoning_effort: run.header.reasoningEffort,
          user_model: run.header.userModel,
          tasks: summary.metrics.tasks,
          simulations: run.simulations.length,
          new_rows: newRows,
          metrics: summary.report,
          ...(url ? { url } : {}),
        });
      }
      const comparisons = buildComparisons(
        experiments.map((e, i) => ({ name: e.name, metrics: summaries[i].metrics })),
        bootstrap,
      );
      // Warnings quote ids and names from the files.
      return { dataset: datasets[0] ?? null, datasets, experiments, comparisons, warnings: warnings.map(redactText) };
    } finally {
      await reader.close();
    }
  }

  /** Deletes the spooled copies; the job takes no file after this. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.spooled.splice(0).map((p) => rm(p, { force: true })));
    this.settings.limits.spool.give(this.spoolBytes);
    this.spoolBytes = 0;
  }

  private keep(file: ValidatedFile): void {
    this.headerBytes += file.headerBytes;
    if (this.headerBytes > this.settings.limits.maxItemBytes) throw headersTooLarge(file.name, this.settings.limits.maxItemBytes);
    this.files.push(file);
  }

  /** Writes the chunks to the spool as they pass, within this job's share of the spool. */
  private async *spoolTo(handle: FileHandle, chunks: AsyncIterable<Buffer>, name: string): AsyncGenerator<Buffer> {
    const { spool } = this.settings.limits;
    for await (const chunk of chunks) {
      // Taken after dispose(), the bytes would never be given back.
      if (this.disposed) throw ingestCancelled();
      if (this.spoolBytes + chunk.length > spool.limit) throw spoolTooLarge(name, spool.limit);
      if (!spool.tryTake(chunk.length)) throw spoolBusy(spool);
      this.spoolBytes += chunk.length;
      await handle.writeFile(chunk);
      yield chunk;
    }
  }

  private async validate(
    { name, label }: { name: string; label: string },
    path: string,
    chunks: AsyncIterable<Buffer>,
    size: number | null,
  ) {
    return validateChunks(chunks, {
      name,
      label,
      path,
      maxItemBytes: this.settings.limits.maxItemBytes,
      memory: this.settings.limits.memory,
      signal: this.control.signal,
      onChunk: (bytes, simulations) =>
        this.progress({ phase: "validate", file: name, bytes, total_bytes: size, simulations }, bytes === size),
    });
  }

  /** At most one event per interval, but always the first of a phase and the last of a file or experiment. */
  private progress(event: IngestProgress, force = false): void {
    const onProgress = this.control.onProgress;
    if (!onProgress) return;
    const now = Date.now();
    const step = event.phase === "validate" ? `validate ${event.file}` : `write ${event.experiment}`;
    if (!force && step === this.lastStep && now - this.lastProgress < PROGRESS_INTERVAL_MS) return;
    this.lastProgress = now;
    this.lastStep = step;
    onProgress(event);
  }
}

/** Ingests files and directories from disk (the CLI, the benchmark). */
export async function ingestFiles(
  paths: string[],
  settings: IngestSettings,
  request: IngestNames & IngestControl = {},
): Promise<IngestReport> {
  const job = new IngestJob(settings, request);
  try {
    for (const file of await expandPaths(paths)) await job.addFile(file.path, file.label);
    return await job.commit(request);
  } finally {
    await job.dispose();
  }
}

function experimentMetadata(run: Run, metrics: RunMetricsReport): Record<string, unknown> {
  const h = run.header;
  return {
    source: "tau2-ingest",
    file: run.label,
    format: h.format,
    domain: h.domain,
    agent_model: h.agentModel,
    reasoning_effort: h.reasoningEffort,
    user_model: h.userModel,
    agent_implementation: h.agentImplementation,
    user_implementation: h.userImplementation,
    num_trials: h.numTrials,
    git_commit: h.gitCommit,
    timestamp: h.timestamp,
    info: h.info,
    // tau2's own numbers (avg_reward over simulations, pass^k) with intervals, as the response gives them.
    tau2_metrics: metrics,
  };
}
