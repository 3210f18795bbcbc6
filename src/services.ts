// The composition root: the service's long-lived parts, built from config in this one place that buildApp and
// every CLI share. Each part is built on first use (a CLI that pushes a dataset starts no sandbox; GET /list loads
// neither the recorder, nor the agent, nor the braintrust SDK) and close() ends what was built, the last built
// first. Tests hand in their own parts (a recorder, a sandbox, a registry).
import type { AgentRuntime } from "./agent/runtime.js";
import { BraintrustSessions } from "./braintrust/sessions.js";
import type { Config } from "./config.js";
import { SQL_GEN_EVAL_NAME, SQL_GEN_SCORES, sqlGenParameters } from "./evals/sema4-demo/declaration.js";
import { loadEvalModules } from "./evals/runtime/loadModules.js";
import { EvaluatorRegistry } from "./evals/runtime/registry.js";
import type { SecretRedactor } from "./lib/secretRedactor.js";
import { createLogger, type Logger } from "./logger.js";
import type { LocalStore } from "./recorder/localStore.js";
import type { Recorder } from "./recorder/types.js";
import { serviceRedactor } from "./redaction.js";
import type { SandboxFactory } from "./sandbox/types.js";
import type { ViewerReader } from "./viewer/readModel/viewerReader.js";

export interface ServiceParts {
  logger?: Logger;
  /** The evaluators to serve; by default the built-in ones plus EVAL_MODULES. */
  registry?: EvaluatorRegistry;
  /** Where ingest, the agent and the push routes write; by default chosen from config (createRecorder). */
  recorder?: Recorder;
  /** The SQL agent's sandbox; by default started from config. Parts handed in are closed by whoever made them. */
  sandboxFactory?: SandboxFactory;
}

export class Services {
  readonly logger: Logger;
  /** One redactor for all that leaves: error bodies, events, logs, each run's reports and records. */
  readonly redactor: SecretRedactor;
  private readonly closers: Array<() => Promise<void>> = [];
  private built = new Map<string, unknown>();

  constructor(
    readonly config: Config,
    private readonly parts: ServiceParts = {},
  ) {
    this.logger = parts.logger ?? createLogger(config);
    this.redactor = serviceRedactor(config);
  }

  private once<T>(name: string, build: () => T, close?: (value: Awaited<T>) => Promise<void> | void): T {
    if (!this.built.has(name)) {
      const value = build();
      this.built.set(name, value);
      if (close) this.closers.push(async () => close(await value));
    }
    return this.built.get(name) as T;
  }

  /** Where results go, known from config before the recorder is built: Braintrust with the service's own key. */
  get recorderKind(): Recorder["kind"] {
    return this.parts.recorder?.kind ?? (this.config.BRAINTRUST_API_KEY ? "braintrust" : "local");
  }

  recorder(): Promise<Recorder> {
    if (this.parts.recorder) return Promise.resolve(this.parts.recorder);
    return this.once(
      "recorder",
      async () => {
        const { createRecorder } = await import("./recorder/index.js");
        return createRecorder(this.config, this.logger, () => this.localStore());
      },
      (r) => r.close(),
    );
  }

  /** What the viewer and GET /experiments read: what a local recorder writes, else the local store under DATA_DIR. */
  async experimentReader(): Promise<LocalStore> {
    if (this.recorderKind === "local") return (await this.recorder()).reader ?? this.localStore();
    return this.localStore();
  }

  /** The viewer's read model, over the same store as experimentReader(). */
  viewerReader(): Promise<ViewerReader> {
    return this.once("viewerReader", async () => {
      const [{ ViewerReader }, store] = await Promise.all([import("./viewer/readModel/viewerReader.js"), this.experimentReader()]);
      return new ViewerReader(store);
    });
  }

  /** The local store under DATA_DIR, one connection for the whole process. */
  localStore(): Promise<LocalStore> {
    return this.once(
      "localStore",
      async () => {
        const { LocalStore } = await import("./recorder/localStore.js");
        return new LocalStore(this.config.DATA_DIR);
      },
      (s) => s.close(),
    );
  }

  /** Logged-in Braintrust callers of the dev-server routes and the operator routes. */
  sessions(): BraintrustSessions {
    return this.once(
      "sessions",
      () =>
        new BraintrustSessions({
          appUrl: this.config.BRAINTRUST_APP_URL,
          appPublicUrl: this.config.BRAINTRUST_APP_PUBLIC_URL,
          apiUrl: this.config.BRAINTRUST_API_URL,
          proxyUrl: this.config.BRAINTRUST_PROXY_URL,
          maxEntries: this.config.LOGIN_CACHE_SIZE,
          ttlMs: this.config.LOGIN_CACHE_TTL_MS,
          failureTtlMs: this.config.LOGIN_FAILURE_TTL_MS,
          attemptsPerMinute: this.config.LOGIN_ATTEMPTS_PER_MINUTE,
        }),
    );
  }

  /** The SQL agent's database, sandbox (probed here) and model access. */
  agentRuntime(): Promise<AgentRuntime> {
    return this.once(
      "agentRuntime",
      async () => {
        const { createAgentRuntime } = await import("./agent/runtime.js");
        return createAgentRuntime(this.config, this.logger, this.redactor, this.parts.sandboxFactory);
      },
      async (runtime) => {
        if (!this.parts.sandboxFactory) await runtime.sandboxFactory.close();
      },
    );
  }

  /**
   * The evaluators: sema4-demo and those of EVAL_MODULES. sema4-demo is listed from its declaration; its agent
   * (database, sandbox, model client) is built on its first eval.
   */
  registry(): Promise<EvaluatorRegistry> {
    if (this.parts.registry) return Promise.resolve(this.parts.registry);
    return this.once("registry", async () => {
      const registry = new EvaluatorRegistry();
      registry.registerLazy(
        SQL_GEN_EVAL_NAME,
        { parameters: sqlGenParameters({ model: this.config.AGENT_MODEL }), scores: [...SQL_GEN_SCORES], classifiers: [] },
        async () => {
          const [{ createSqlGenEvaluator, sqlGenDeps }, runtime] = await Promise.all([
            import("./evals/sema4-demo/evaluator.js"),
            this.agentRuntime(),
          ]);
          return createSqlGenEvaluator(sqlGenDeps(runtime));
        },
      );
      const modules = (this.config.EVAL_MODULES ?? "").split(",").map((m) => m.trim()).filter(Boolean);
      await loadEvalModules(modules, registry);
      return registry;
    });
  }

  /** Ends what was built, the last first; the parts handed in are their makers' to close. */
  async close(): Promise<void> {
    const closers = this.closers.splice(0).reverse();
    this.built = new Map();
    for (const close of closers) await close();
  }
}
