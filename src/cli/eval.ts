// npm run eval -- <evaluator> [--trials N] [--model M] [--data cases.json] [--experiment NAME]
// Runs a registered evaluator (sema4-demo, or one of EVAL_MODULES) into the Recorder: the local store without
// BRAINTRUST_API_KEY, Braintrust with it. A line per case on stderr as it ends, a results table on stdout.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import pino from "pino";
import { ConfigError, loadConfig, type Config } from "../config.js";
import { AppError, isAppError, messageOf } from "../errors.js";
import { validateParameters } from "../evals/runtime/parameters.js";
import { runRecordedEval, type RecordedEvalResult } from "../evals/runtime/recordedEval.js";
import type { EvalCase, RegisteredEvaluator } from "../evals/runtime/types.js";
import { createLogger } from "../logger.js";
import { Services } from "../services.js";
import { absoluteLink, viewerLinks } from "../viewer/links.js";
import type { ExperimentSummary } from "../viewer/schemas.js";

const USAGE = `Usage: npm run eval -- <evaluator> [--trials N] [--model MODEL] [--data cases.json] [--experiment NAME]

  <evaluator>    a registered evaluator: sema4-demo, or one of EVAL_MODULES
  --trials       runs per case (the evaluator's "trials" parameter where it has one, else each case N times)
  --model        the evaluator's "model" parameter (sema4-demo: default AGENT_MODEL)
  --data         a JSON file with the cases, [{"input": …, "expected": …, "metadata": …}, …]
                 (default: the evaluator's own data)
  --experiment   the experiment name (default: <evaluator>-<model>; a name taken gets a suffix)

Records to Braintrust when BRAINTRUST_API_KEY is set, else to the local store under DATA_DIR (see the viewer, /ui/).`;

class UsageError extends Error {}

async function loadCases(entry: RegisteredEvaluator, file: string | undefined): Promise<EvalCase[]> {
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, "utf8"));
    } catch (e) {
      throw new UsageError(`--data ${file}: ${messageOf(e)}`);
    }
    if (!Array.isArray(parsed) || parsed.some((c) => !c || typeof c !== "object" || !("input" in c))) {
      throw new UsageError(`--data ${file}: expected a JSON array of cases, each with an "input"`);
    }
    return parsed as EvalCase[];
  }
  const data = entry.evaluator.data;
  const resolved = await (typeof data === "function" ? (data as () => unknown)() : data);
  if (resolved === undefined || resolved === null) throw new UsageError(`evaluator ${entry.name} has no data of its own: give --data`);
  const cases: EvalCase[] = [];
  for await (const c of resolved as AsyncIterable<EvalCase> | Iterable<EvalCase>) cases.push(c);
  return cases;
}

function declared(entry: RegisteredEvaluator, name: string): boolean {
  const p = entry.evaluator.parameters;
  return !!p && typeof p === "object" && name in (p as object);
}

const label = (input: unknown): string => {
  const text = typeof input === "string" ? input : ((input as { question?: unknown; id?: unknown } | null)?.question ?? JSON.stringify(input));
  const s = String(text).replace(/\s+/g, " ");
  return s.length > 70 ? `${s.slice(0, 70)}…` : s;
};

const num = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v.toFixed(3));
const withCi = (v: number, ci: [number, number] | null) => (ci ? `${num(v)} [${num(ci[0])}, ${num(ci[1])}]` : num(v));

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
}

export function resultsTable(result: RecordedEvalResult, summary: ExperimentSummary | undefined, link: string | undefined): string {
  const scores = result.totals.scores.summary();
  const lines = [
    `experiment "${result.experiment.name}" (${result.experiment.id}): ${result.totals.cases} case(s), ${result.totals.failed} failed`,
    "",
    ...table([["score", "mean"], ...Object.values(scores).map((s) => [s.name, num(s.score)])]),
  ];
  if (summary?.avgReward) {
    lines.push(
      "",
      ...table([
        ["tasks", "trials", "avg reward", ...summary.passHatK.map((p) => `pass^${p.k}`)],
        [String(summary.tasks), String(summary.trials), withCi(summary.avgReward.value, summary.avgReward.ci), ...summary.passHatK.map((p) => withCi(p.value, p.ci))],
      ]),
      "[low, high]: 95% bootstrap interval over tasks.",
    );
  }
  if (link) lines.push("", `viewer: ${link}`);
  if (result.experiment.url) lines.push("", `Braintrust: ${result.experiment.url}`);
  return lines.join("\n");
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        trials: { type: "string" },
        model: { type: "string" },
        data: { type: "string" },
        experiment: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`${messageOf(e)}\n\n${USAGE}\n`);
    return 2;
  }
  const trials = args.values.trials === undefined ? undefined : Number(args.values.trials);
  if (args.values.help || args.positionals.length !== 1 || (trials !== undefined && !(Number.isInteger(trials) && trials >= 1))) {
    process.stderr.write(`${USAGE}\n`);
    return args.values.help ? 0 : 2;
  }
  const config = loadConfig();
  // Warnings only: stderr is for the progress lines, stdout for the table.
  const logger = createLogger({ ...config, LOG_LEVEL: config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL }, pino.destination(2));
  const services = new Services(config, { logger });
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort(new AppError("CANCELLED", "interrupted")));
  try {
    return await run(services, config, args.positionals[0], { ...args.values, trials }, controller.signal);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    process.stderr.write(`eval failed: ${isAppError(e) ? e.message : messageOf(e)}\n`);
    return 1;
  } finally {
    await services.close();
  }
}

async function run(
  services: Services,
  config: Config,
  name: string,
  options: { trials?: number; model?: string; data?: string; experiment?: string },
  signal: AbortSignal,
): Promise<number> {
  const registry = await services.registry();
  const entry = await registry.get(name);
  if (!entry) throw new UsageError(`no evaluator "${name}"; the evaluators are ${registry.list().map((e) => e.name).join(", ")}`);
  const cases = await loadCases(entry, options.data);
  const given: Record<string, unknown> = {};
  if (options.model !== undefined) {
    if (!declared(entry, "model")) throw new UsageError(`evaluator ${entry.name} has no "model" parameter`);
    given.model = options.model;
  }
  const trialsAsParameter = options.trials !== undefined && declared(entry, "trials");
  if (trialsAsParameter) given.trials = options.trials;
  const parameters = await validateParameters(given, entry.evaluator.parameters);
  const runCases = options.trials !== undefined && !trialsAsParameter ? cases.map((c) => ({ ...c, trialCount: options.trials })) : cases;
  const model = typeof parameters.model === "string" ? parameters.model : null;
  const trialCount = typeof parameters.trials === "number" ? parameters.trials : (options.trials ?? entry.evaluator.trialCount ?? 1);
  const total = runCases.reduce((n, c) => n + (c.trialCount ?? entry.evaluator.trialCount ?? 1), 0);
  const recorder = await services.recorder();
  process.stderr.write(`${entry.name}: ${total} case run(s) into ${recorder.kind === "local" ? (await services.localStore()).path : "Braintrust"}\n`);
  let done = 0;
  const result = await runRecordedEval(
    recorder,
    {
      entry,
      cases: runCases,
      parameters,
      experimentName: options.experiment ?? `${entry.name}-${model ?? "run"}`,
      metadata: { model, trials: trialCount, cases: cases.length, ...(options.data ? { data: options.data } : {}) },
    },
    {
      signal,
      defaultConcurrency: config.EVAL_DEFAULT_CONCURRENCY,
      caseTimeoutMs: config.EVAL_CASE_TIMEOUT_MS,
      redact: services.redactor.text,
    },
    {
      onCaseFinished: (c) => {
        done++;
        const what = c.error
          ? `error: ${c.error.split("\n")[0]}`
          : Object.entries(c.scores).map(([k, v]) => `${k}=${num(v)}`).join(" ") || "no scores";
        process.stderr.write(`[${done}/${total}] ${label(c.input)}: ${what}\n`);
      },
    },
  );
  await recorder.flush();
  const local = recorder.kind === "local";
  const summary = local ? (await services.viewerReader()).experiment(result.experiment.id).experiment : undefined;
  const link = local ? absoluteLink(viewerLinks.experiment(result.experiment.id), { host: config.HOST, port: config.PORT }) : undefined;
  process.stdout.write(`${resultsTable(result, summary, link)}\n`);
  return result.totals.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(e instanceof ConfigError ? `${e.message}\n` : `fatal: ${e?.stack ?? e}\n`);
    process.exit(e instanceof ConfigError ? 2 : 1);
  },
);
