// The names an ingest writes under: the request's, else a dataset per domain and an experiment per agent model and
// reasoning effort (leaderboard-style labels such as "gpt-5-medium"; the file's name is not reliable metadata, so
// it is only the last resort).
import { basename } from "node:path";
import { AppError } from "../../errors.js";
import type { Run, RunHeader } from "./groupRuns.js";

/**
 * "Tau Bench Telecom Tasks". tau-bench v1 tasks get a dataset of their own ("Tau Bench V1 Airline Tasks"): their
 * ids ("0", "1", …) are tau2's too, for other task definitions.
 */
/** What a file sent as the request body, with no name of its own, is called. */
export const REQUEST_BODY = "request body";

export function defaultDatasetName(header: Pick<RunHeader, "domain" | "format">): string {
  const words = header.domain
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1));
  return `Tau Bench ${header.format === "tau-bench-v1" ? "V1 " : ""}${words.join(" ")} Tasks`;
}

/** "gpt-5" + {reasoning_effort: "medium"} → "gpt-5-medium"; "xai/grok-3" → "grok-3"; no model → the file's name. */
function defaultExperimentName(header: RunHeader, label: string): string {
  if (header.agentModel) {
    const model = header.agentModel.slice(header.agentModel.lastIndexOf("/") + 1) || header.agentModel;
    return header.reasoningEffort ? `${model}-${header.reasoningEffort}` : model;
  }
  return basename(label).replace(/(\.json)?(\.gz)?$/i, "");
}

/** Given names first (each at most once), then model-derived ones, made unique within the request. */
export function experimentNames(runs: Run[], given: string[], warnings: string[]): string[] {
  if (given.length > runs.length) {
    throw new AppError("BAD_REQUEST", `${given.length} experiment names for ${runs.length} results file(s)`);
  }
  const duplicate = given.find((n, i) => given.indexOf(n) !== i);
  if (duplicate) throw new AppError("BAD_REQUEST", `experiment name "${duplicate}" is given to two files`);
  const taken = new Set(given);
  return runs.map((run, i) => {
    if (given[i]) return given[i];
    const base = defaultExperimentName(run.header, run.label);
    let name = base;
    if (taken.has(name)) name = `${base}-${run.header.domain}`;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    if (name !== base) warnings.push(`${run.name}: experiment "${base}" is taken in this request; named "${name}"`);
    taken.add(name);
    return name;
  });
}
