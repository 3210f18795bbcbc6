// From validated files to runs (one experiment each): a directory run gathers its results.json and simulation
// files; every other file is a run of its own. Also reads what the run says about itself (domain, models, trials).
import { AppError } from "../../errors.js";
import type { MetricsRule } from "../../metrics/tau2.js";
import { redactSecrets } from "../../lib/redactSecrets.js";
import { firstIssue, infoSchema } from "./resultsFormats.js";
import type { SimulationSummary, TaskEntry, ValidatedFile } from "./validationPass.js";

type RunFormat = "tau2" | "tau2-dir" | "simulation-list" | "tau-bench-v1";

export interface RunHeader {
  format: RunFormat;
  rule: MetricsRule;
  domain: string;
  agentModel: string | null;
  reasoningEffort: string | null;
  userModel: string | null;
  agentImplementation: string | null;
  userImplementation: string | null;
  /** Trials requested (info.num_trials); the rows say how many there are. */
  numTrials: number | null;
  gitCommit: string | null;
  timestamp: string | null;
  /** The file's `info`, redacted, with the long prompts (policy, simulation guidelines) left out. */
  info: Record<string, unknown> | null;
}

interface RunTask extends TaskEntry {
  path: string;
}

export interface RunSimulation extends SimulationSummary {
  path: string;
}

export interface Run {
  /** The file the run came from, as given: for messages and the response. */
  name: string;
  /** The same without the path of the machine it came from: for what is stored, and default names. */
  label: string;
  header: RunHeader;
  tasks: RunTask[];
  simulations: RunSimulation[];
  warnings: string[];
}

/** Groups validated files into runs; refuses simulation files that belong to no results.json. */
export function groupRuns(files: readonly ValidatedFile[]): Run[] {
  const runs: Run[] = [];
  const headers = files.filter((f) => f.kind === "tau2-dir-header");
  const loose = files.filter((f) => f.kind === "tau2-dir-simulation");
  const members = new Map<ValidatedFile, ValidatedFile[]>(headers.map((h) => [h, []]));
  for (const sim of loose) {
    const owner = ownerOf(sim, headers);
    if (!owner) {
      throw new AppError(
        "BAD_REQUEST",
        headers.length === 0
          ? `${sim.name}: a single tau2 simulation without its results.json (send the directory's results.json too)`
          : `${sim.name}: cannot tell which results.json this simulation belongs to`,
        { details: { file: sim.name } },
      );
    }
    members.get(owner)!.push(sim);
  }
  for (const file of files) {
    if (file.kind === "tau2-dir-simulation") continue;
    const parts = file.kind === "tau2-dir-header" ? members.get(file)! : [];
    runs.push(buildRun(file, parts));
  }
  return runs;
}

function ownerOf(sim: ValidatedFile, headers: ValidatedFile[]): ValidatedFile | undefined {
  if (headers.length === 1) return headers[0];
  const { id, taskId } = sim.simulations[0];
  const byIndex = headers.filter((h) => indexIds(h).has(id ?? ""));
  if (byIndex.length === 1) return byIndex[0];
  const byTask = headers.filter((h) => h.tasks.some((t) => t.id === taskId));
  return byTask.length === 1 ? byTask[0] : undefined;
}

function indexIds(header: ValidatedFile): Set<string> {
  const index = header.header.simulation_index;
  if (!Array.isArray(index)) return new Set();
  return new Set(index.map((e) => String((e as { id?: unknown })?.id)));
}

function buildRun(file: ValidatedFile, parts: ValidatedFile[]): Run {
  const warnings = [...file.warnings, ...parts.flatMap((p) => p.warnings)];
  const tasks = file.tasks.map((t) => ({ ...t, path: file.path }));
  const simulations =
    file.kind === "tau2-dir-header"
      ? [...parts]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((p, index) => ({ ...p.simulations[0], index, path: p.path }))
      : file.simulations.map((s) => ({ ...s, path: file.path }));
  const header = readHeader(file);
  if (file.kind === "tau2-dir-header") {
    const expected = indexIds(file);
    const missing = [...expected].filter((id) => !simulations.some((s) => s.id === id));
    if (parts.length === 0) warnings.push(`${file.name}: a directory-format results.json and no simulation files`);
    else if (missing.length > 0) {
      warnings.push(`${file.name}: ${missing.length} simulation(s) of its simulation_index are missing`);
    }
  }
  const listed = new Set(tasks.map((t) => t.id));
  const simulated = new Set(simulations.map((s) => s.taskId));
  if (tasks.length > 0) {
    const unknown = [...simulated].filter((id) => !listed.has(id));
    if (unknown.length > 0) {
      warnings.push(`${file.name}: ${unknown.length} simulated task(s) are not in "tasks" (e.g. "${unknown[0]}")`);
    }
    const idle = tasks.filter((t) => !simulated.has(t.id)).length;
    if (idle > 0) {
      warnings.push(`${file.name}: ${idle} task(s) have no simulation; like tau2, the metrics leave them out`);
    }
  } else if (simulations.length > 0) {
    warnings.push(`${file.name}: no task definitions; the dataset gets no rows from this file`);
  }
  if (simulations.length === 0) warnings.push(`${file.name}: no simulations (an aborted run?)`);
  if (header.domain === "unknown") warnings.push(`${file.name}: the file names no domain`);
  return { name: file.name, label: file.label, header, tasks, simulations, warnings };
}

const LONG_PROMPTS: [string, string][] = [
  ["environment_info", "policy"],
  ["user_info", "global_simulation_guidelines"],
];

function readHeader(file: ValidatedFile): RunHeader {
  const top = file.header;
  const parsed = infoSchema.safeParse(top.info ?? {});
  if (!parsed.success) {
    const { field, message } = firstIssue("info", parsed.error);
    throw new AppError("VALIDATION_FAILED", `${file.name}: ${field}: ${message}`, { details: { file: file.name, field } });
  }
  const info = parsed.data;
  const args = info.agent_info?.llm_args ?? {};
  const reasoning = args.reasoning as { effort?: unknown } | undefined;
  const effort = args.reasoning_effort ?? reasoning?.effort ?? args.effort;
  const format: RunFormat =
    file.kind === "tau2-dir-header" ? "tau2-dir" : file.kind === "tau-bench-v1" ? "tau-bench-v1" : file.kind === "simulation-list" ? "simulation-list" : "tau2";
  return {
    format,
    rule: format === "tau-bench-v1" ? "tau-bench-v1" : "tau2",
    domain: text(info.environment_info?.domain_name) ?? text(top.domain) ?? file.domainHint ?? "unknown",
    agentModel: text(info.agent_info?.llm) ?? text(top.model) ?? text(top.agent),
    reasoningEffort: text(effort),
    userModel: text(info.user_info?.llm),
    agentImplementation: text(info.agent_info?.implementation),
    userImplementation: text(info.user_info?.implementation),
    numTrials: info.num_trials ?? null,
    gitCommit: text(info.git_commit),
    timestamp: text(top.timestamp),
    info: top.info ? withoutLongPrompts(redactSecrets(top.info as Record<string, unknown>)) : null,
  };
}

function withoutLongPrompts(info: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...info };
  for (const [section, key] of LONG_PROMPTS) {
    const part = out[section];
    if (part && typeof part === "object" && typeof (part as Record<string, unknown>)[key] === "string") {
      const { [key]: prompt, ...rest } = part as Record<string, unknown>;
      out[section] = { ...rest, [`${key}_chars`]: (prompt as string).length };
    }
  }
  return out;
}

function text(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : null;
}

/** The run's simulations grouped by task, tasks in file order, trials in trial order. */
export function simulationsByTask(run: Run): Map<string, RunSimulation[]> {
  const byTask = new Map<string, RunSimulation[]>();
  for (const t of run.tasks) byTask.set(t.id, []);
  for (const s of run.simulations) {
    const list = byTask.get(s.taskId);
    if (list) list.push(s);
    else byTask.set(s.taskId, [s]);
  }
  for (const [id, list] of byTask) {
    if (list.length === 0) byTask.delete(id);
    else list.sort((a, b) => (a.trial ?? Number.MAX_SAFE_INTEGER) - (b.trial ?? Number.MAX_SAFE_INTEGER) || a.index - b.index);
  }
  return byTask;
}
