// The Braintrust Recorder: everything goes through the `braintrust` SDK, on a BraintrustState of its own (never the
// SDK's global state, which the dev-server routes' per-caller logins must not share or clobber).
import {
  BraintrustState,
  CodePrompt,
  flush,
  initDataset,
  initExperiment,
  initLogger,
  projects,
  ProjectNameIdMap,
  promptDefinitionToPromptData,
  loginToState,
  type Dataset,
  type Experiment,
  type Logger as SdkLogger,
  type LoginOptions,
  type PromptDefinition as SdkPromptDefinition,
} from "braintrust";
import { isDeepStrictEqual } from "node:util";
import { AppError, messageOf } from "../errors.js";
import { rowsById } from "./datasetRows.js";
import type {
  DatasetHandle,
  DatasetRow,
  ExperimentHandle,
  ExperimentOptions,
  PromptDefinition,
  Recorder,
  RecorderSpan,
  StartSpanArgs,
  UpsertResult,
} from "./types.js";

export interface BraintrustRecorderOptions {
  apiKey: string;
  appUrl: string;
  orgName?: string;
  /** Overrides the org's api_url, like BRAINTRUST_API_URL. */
  apiUrl?: string;
}

/**
 * A state whose every SDK-triggered login waits for ours (loginToState plus the configured API URL), so background
 * flushes that start before anything was awaited cannot log in on their own with other settings.
 */
class RecorderState extends BraintrustState {
  private loggingIn: Promise<void> | undefined;

  constructor(
    private readonly options: BraintrustRecorderOptions,
    onFlushError: (e: unknown) => void,
  ) {
    // No exit hook per state: the owner calls close(), which flushes and reports what was dropped.
    super({ apiKey: options.apiKey, appUrl: options.appUrl, orgName: options.orgName, onFlushError, noExitFlush: true });
  }

  override login(_params?: LoginOptions & { forceLogin?: boolean }): Promise<void> {
    this.loggingIn ??= this.loginOnce().catch((e: unknown) => {
      this.loggingIn = undefined; // a failed login is retried by the next use
      throw new AppError("UPSTREAM_FAILED", `Braintrust login failed: ${messageOf(e)}`, { cause: e });
    });
    return this.loggingIn;
  }

  private async loginOnce(): Promise<void> {
    const { apiKey, appUrl, orgName, apiUrl } = this.options;
    let fresh = await loginToState({ apiKey, appUrl, orgName });
    if (apiUrl && fresh.apiUrl !== apiUrl) fresh = BraintrustState.deserialize({ ...fresh.serialize(), apiUrl }, { noExitFlush: true });
    this.copyLoginInfo(fresh);
  }
}

export class BraintrustRecorder implements Recorder {
  readonly kind = "braintrust";
  private readonly state: RecorderState;
  private readonly loggers = new Map<string, SdkLogger<true>>();
  private flushErrors: unknown[] = [];

  constructor(options: BraintrustRecorderOptions) {
    this.state = new RecorderState(options, (e) => this.flushErrors.push(e));
  }

  /** The logged-in state, for code that calls the SDK directly on the recorder's behalf. */
  async loggedInState(): Promise<BraintrustState> {
    await this.state.login();
    return this.state;
  }

  dataset(project: string, name: string): DatasetHandle {
    return new BraintrustDataset(this, project, name);
  }

  async experiment(project: string, name: string, options: ExperimentOptions = {}): Promise<ExperimentHandle> {
    const state = await this.loggedInState();
    const experiment = initExperiment(project, {
      state,
      experiment: name,
      update: options.update,
      description: options.description,
      metadata: options.metadata,
      dataset: options.dataset ? { id: await options.dataset.id() } : undefined,
      setCurrent: false,
    });
    const actualName = await upstream(experiment.name, "register the experiment");
    // Only a reused experiment can hold rows already; read them before this handle writes any.
    const existing = options.update ? await rootRowIds(experiment) : new Set<string>();
    return new BraintrustExperiment(this, experiment, actualName, existing);
  }

  logSpan(project: string, args: StartSpanArgs = {}): RecorderSpan {
    return this.projectLogger(project).startSpan(args);
  }

  /**
   * Project.publish() would log in globally, so the prompt is built by the SDK's CodePrompt (what
   * `projects.create().prompts.create()` builds) and sent with the same `insert-functions` call, on our state.
   */
  async upsertPrompt(project: string, prompt: PromptDefinition): Promise<{ id: string; changed: boolean }> {
    const state = await this.loggedInState();
    const projectId = (await upstream(this.projectLogger(project).project, "register the project")).id;
    const sdkDefinition: SdkPromptDefinition = {
      model: prompt.model,
      messages: prompt.messages,
      ...(prompt.params ? { params: prompt.params as SdkPromptDefinition["params"] } : {}),
    };
    const code = new CodePrompt(projects.create({ id: projectId }), promptDefinitionToPromptData(sdkDefinition), [], {
      ...sdkDefinition,
      name: prompt.name,
      slug: prompt.slug,
      description: prompt.description,
      ifExists: "replace",
    });
    const definition = await code.toFunctionDefinition(new ProjectNameIdMap());
    const existing = await this.findPrompt(state, projectId, prompt.slug);
    if (existing && samePrompt(existing, definition)) return { id: existing.id, changed: false };
    await upstream(state.apiConn().post_json("insert-functions", { functions: [definition] }), "publish the prompt");
    const saved = await this.findPrompt(state, projectId, prompt.slug);
    if (!saved) throw new AppError("UPSTREAM_FAILED", `Braintrust did not store prompt ${prompt.slug}`);
    return { id: saved.id, changed: true };
  }

  async flush(): Promise<void> {
    await flush({ state: this.state });
    const errors = this.flushErrors.splice(0);
    if (errors.length > 0) {
      throw new AppError("UPSTREAM_FAILED", `Braintrust dropped rows: ${errors.map(messageOf).join("; ")}`, {
        cause: errors[0],
      });
    }
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private projectLogger(project: string): SdkLogger<true> {
    let logger = this.loggers.get(project);
    if (!logger) {
      logger = initLogger({ state: this.state, projectName: project, setCurrent: false });
      this.loggers.set(project, logger);
    }
    return logger;
  }

  private async findPrompt(state: BraintrustState, projectId: string, slug: string) {
    const found = await upstream(state.apiConn().get_json("v1/prompt", { project_id: projectId, slug }), "read the prompt");
    return (found?.objects?.[0] ?? undefined) as (PromptFields & { id: string }) | undefined;
  }
}

class BraintrustDataset implements DatasetHandle {
  private sdk: Dataset | undefined;

  constructor(
    private readonly recorder: BraintrustRecorder,
    private readonly project: string,
    readonly name: string,
  ) {}

  async id(): Promise<string> {
    return upstream((await this.dataset()).id, "register the dataset");
  }

  async upsert(rows: DatasetRow[]): Promise<UpsertResult> {
    const byId = rowsById(rows);
    const dataset = await this.dataset();
    const existing = new Set<string>();
    await upstream(
      (async () => {
        for await (const record of dataset.fetch()) existing.add(String(record.id));
      })(),
      "read the dataset",
    );
    for (const r of byId.values()) {
      dataset.insert({ id: r.id, input: r.input, expected: r.expected, metadata: r.metadata, tags: r.tags });
    }
    await this.recorder.flush();
    return { rows: byId.size, newRows: [...byId.keys()].filter((id) => !existing.has(id)).length };
  }

  private async dataset(): Promise<Dataset> {
    this.sdk ??= initDataset({ state: await this.recorder.loggedInState(), project: this.project, dataset: this.name });
    return this.sdk;
  }
}

class BraintrustExperiment implements ExperimentHandle {
  constructor(
    private readonly recorder: BraintrustRecorder,
    private readonly experiment: Experiment,
    readonly name: string,
    private readonly existing: Set<string>,
  ) {}

  id() {
    return this.experiment.id;
  }
  async url() {
    return (await this.experiment.summarize({ summarizeScores: false })).experimentUrl;
  }
  startSpan(args: StartSpanArgs = {}): RecorderSpan {
    return this.experiment.startSpan(args);
  }
  async existingRowIds() {
    return new Set(this.existing);
  }
  flush() {
    return this.recorder.flush();
  }
}

async function rootRowIds(experiment: Experiment): Promise<Set<string>> {
  const ids = new Set<string>();
  await upstream(
    (async () => {
      for await (const row of experiment.fetch()) if ((row as { is_root?: boolean }).is_root) ids.add(String(row.id));
    })(),
    "read the experiment",
  );
  return ids;
}

/** What we publish against what Braintrust holds, ignoring the fields Braintrust adds (ids, versions, dates). */
type PromptFields = { name?: string; description?: string | null; prompt_data?: unknown };
function samePrompt(existing: PromptFields, definition: PromptFields): boolean {
  const pick = (o: PromptFields) =>
    JSON.parse(JSON.stringify({ name: o.name, description: o.description ?? "", prompt_data: o.prompt_data }));
  return isDeepStrictEqual(pick(existing), pick(definition));
}

/** An SDK call's failure as our error, naming what we were doing. */
async function upstream<T>(work: Promise<T>, doing: string): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError("UPSTREAM_FAILED", `Braintrust: could not ${doing}: ${messageOf(e)}`, { cause: e });
  }
}
