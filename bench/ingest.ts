// npm run bench:ingest — a realistic large tau2 results file (the 114 base telecom tasks × 4 trials, ≥ 100 MB,
// conversations taken from the real telecom files in ../shared/data/tau2, docs/tau2-results.md §7), then in one
// run, each measurement in a fresh process: JSON.parse of the same bytes (the floor), our ingest into the local
// store, our ingest into the fake Braintrust API through the SDK, and our local ingest of a file twice as large.
// Results go to RESULTS.md.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startFakeBraintrust } from "../test/support/fakeBraintrust.js";
import { writeResultsSection } from "./results.js";

const root = path.resolve(import.meta.dirname, "..");
// A git worktree elsewhere than beside ../shared names the folder in TAU2_DATA_DIR.
const shared = path.resolve(process.env.TAU2_DATA_DIR ?? path.join(root, "../shared/data/tau2"));
const out = path.join(root, "bench/out");
const REPS = Number(process.env.REPS ?? 3);
const TARGET_BYTES = 102 * 1000 * 1000;
const TASKS_FILE = "telecom_tasks/v0.1.0_release_114tasks/tasks.json";
// Real telecom runs with a user simulator (the no-user run is another mode).
const CONVERSATION_FILES = [
  "tau2-bench_model_training_results/gpt-4.1_telecom_default_gpt-4.1_1trials.json",
  "tau2-bench_pr17_gpt-4o_telecom/2025-08-10T02:44:06.496849_telecom_llm_agent_gpt-4o_user_simulator_gpt-4o.json",
  "blakeelias_tau2-bench/2025-10-05T07:52:52.930199_telecom_llm_agent_grok-3_user_simulator_grok-3.json",
  "tau2-bench_pr170_tau2_trace_e2e/e2e_telecom_baseline.json",
  "tau2-bench_pr170_tau2_trace_e2e/e2e_telecom_adversarial.json",
];

if (!existsSync(path.join(shared, TASKS_FILE))) {
  console.error(`bench:ingest needs the real telecom files in ${shared}; they are not there.`);
  process.exit(2);
}
mkdirSync(out, { recursive: true });

type Json = Record<string, any>;

/**
 * tasks × trials simulations; each is one real conversation, continued with the next real ones until the file
 * reaches its size (real leaderboard files reach 100 MB through long runs and heavy raw_data).
 */
function buildResults(trials: number): Json {
  const tasks = JSON.parse(readFileSync(path.join(shared, TASKS_FILE), "utf8")) as Json[];
  const sources = CONVERSATION_FILES.map((f) => JSON.parse(readFileSync(path.join(shared, f), "utf8")) as Json);
  const conversations = sources.flatMap((s) => s.simulations as Json[]);
  // Bytes as written (indent 2), with the deeper nesting of a simulation inside the file (measured: about a third more).
  const written = (value: unknown) => JSON.stringify(value, null, 2).length * 1.32;
  const perSimulation = TARGET_BYTES / (tasks.length * 4);
  const sizes = new Map(conversations.map((c) => [c, written(c.messages)]));
  const simulations: Json[] = [];
  let next = 0;
  for (let trial = 0; trial < trials; trial++) {
    tasks.forEach((task, t) => {
      const first = conversations[next++ % conversations.length];
      const messages = [...first.messages];
      let bytes = written({ ...first, messages: [] }) + sizes.get(first)!;
      while (bytes < perSimulation) {
        const more = conversations[next++ % conversations.length];
        messages.push(...more.messages);
        bytes += sizes.get(more)!;
      }
      simulations.push({
        ...first,
        id: `bench-${t}-${trial}`,
        task_id: task.id,
        trial,
        messages: messages.map((m, i) => ({ ...m, turn_idx: i })),
      });
    });
  }
  const info = structuredClone(sources[0].info);
  info.num_trials = trials;
  info.agent_info.llm = "gpt-5";
  info.agent_info.llm_args = { reasoning_effort: "medium" };
  return { timestamp: sources[0].timestamp, info, tasks, simulations };
}

/** Built once and kept in bench/out (a version in the name: a change of recipe builds anew). */
function writeInput(name: string, trials: number): string {
  const file = path.join(out, name);
  if (!existsSync(file)) writeFileSync(file, JSON.stringify(buildResults(trials), null, 2));
  return file;
}

const run = promisify(execFile);

async function child(args: string[]): Promise<Json> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", path.join(root, "bench/ingestChild.ts"), ...args], {
    cwd: root,
    maxBuffer: 1024 * 1024,
    env: { ...process.env, LOG_LEVEL: "silent" },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

async function repeat(label: string, args: () => Promise<string[]>, cleanup?: () => void): Promise<Json> {
  const runs: Json[] = [];
  for (let i = 0; i < REPS; i++) {
    const result = await child(await args());
    cleanup?.();
    console.error(`${label} #${i + 1}: ${result.ms.toFixed(0)} ms, peak RSS ${result.maxRssMB.toFixed(0)} MB`);
    runs.push(result);
  }
  const median = (key: string) => runs.map((r) => r[key] as number).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  return Object.fromEntries(Object.keys(runs[0]).map((k) => [k, typeof runs[0][k] === "number" ? median(k) : runs[0][k]]));
}

const input = writeInput("tau2-telecom-114x4.v3.json", 4);
const doubled = writeInput("tau2-telecom-114x8.v3.json", 8);
const sizeMB = statSync(input).size / 1e6;
const doubledMB = statSync(doubled).size / 1e6;
console.error(`input ${input}: ${sizeMB.toFixed(1)} MB; doubled ${doubledMB.toFixed(1)} MB`);

let scratch: string[] = [];
const freshDir = async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-ingest-"));
  scratch.push(dir);
  return dir;
};
const clean = () => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  scratch = [];
};

const floor = await repeat("JSON.parse", async () => ["floor", input]);
const local = await repeat("ingest, local", async () => ["local", input, await freshDir()], clean);
const localDoubled = await repeat("ingest, local, 2x input", async () => ["local", doubled, await freshDir()], clean);
const spanCost = await repeat("local store alone, 100k small spans", async () => ["spans", "100000", await freshDir()], clean);
const fake = await startFakeBraintrust({ seededDataset: false });
let braintrust: Json;
try {
  braintrust = await repeat("ingest, fake Braintrust", async () => {
    fake.reset();
    return ["braintrust", input, await freshDir(), fake.url];
  }, clean);
} finally {
  await fake.close();
}

const ratio = (a: number, b: number) => (a / b).toFixed(2);
const verdict = (ok: boolean) => (ok ? "met" : "**missed**");
const timeRatio = local.ms / floor.ms;
const rssRatio = local.maxRssMB / floor.maxRssMB;
const rssGrowth = localDoubled.maxRssMB / local.maxRssMB - 1;
const spans = local.spans as number;
const per100k = (ms: number) => ((ms / spans) * 1e5).toFixed(0);
const body = `Run ${new Date().toISOString()}, node ${process.version}, ${REPS} runs per row, medians; each run in a fresh process (start-up not timed).
Input: the 114 base telecom tasks × 4 trials = ${local.simulations} simulations, ${sizeMB.toFixed(1)} MB (indent 2, as tau2 writes), each simulation one real conversation of the telecom files in ../shared/data/tau2 continued with the next ones up to ~220 KB (about 220 messages, ${spans} spans in all). The 2× input has 8 trials (${doubledMB.toFixed(1)} MB).

| measurement | wall time | peak RSS | vs JSON.parse: time | vs JSON.parse: RSS | target | |
|---|---|---|---|---|---|---|
| \`JSON.parse(readFileSync(file, "utf8"))\` (the floor) | ${floor.ms.toFixed(0)} ms (read ${floor.readMs.toFixed(0)} + parse ${floor.parseMs.toFixed(0)}) | ${floor.maxRssMB.toFixed(0)} MB | 1.00 | 1.00 | | |
| ingest → local store | ${local.ms.toFixed(0)} ms (validate ${local.validateMs.toFixed(0)} + write ${local.writeMs.toFixed(0)}) | ${local.maxRssMB.toFixed(0)} MB | ${ratio(local.ms, floor.ms)} | ${ratio(local.maxRssMB, floor.maxRssMB)} | time ≤ 2×, RSS ≤ 0.5× | time ${verdict(timeRatio <= 2)}, RSS ${verdict(rssRatio <= 0.5)} |
| ingest → local store, 2× input | ${localDoubled.ms.toFixed(0)} ms | ${localDoubled.maxRssMB.toFixed(0)} MB | ${ratio(localDoubled.ms, floor.ms)} | ${ratio(localDoubled.maxRssMB, floor.maxRssMB)} | RSS flat when the input doubles | ${(rssGrowth * 100).toFixed(1)} % ${verdict(rssGrowth <= 0.1)} |
| ingest → fake Braintrust API (SDK) | ${braintrust.ms.toFixed(0)} ms (validate ${braintrust.validateMs.toFixed(0)} + write ${braintrust.writeMs.toFixed(0)}) | ${braintrust.maxRssMB.toFixed(0)} MB | ${ratio(braintrust.ms, floor.ms)} | ${ratio(braintrust.maxRssMB, floor.maxRssMB)} | | |

"validate" is the first pass (scan, parse and check every item, nothing stored); "write" the second (re-read each item by its byte range, map, store). The local ingest read ${local.simulations} simulations over ${local.tasks} tasks (avg reward ${local.avgReward?.toFixed(4)}); JSON.parse read ${floor.simulations}. Inputs are kept in \`bench/out/\` (not committed).

Per 100k spans, the write pass takes ${per100k(local.writeMs)} ms into the local store and ${per100k(braintrust.writeMs)} ms through the braintrust SDK into the fake Braintrust API (${spans} spans in both).

Where the time goes: the validation pass alone is ${ratio(local.validateMs, floor.ms)}× the floor, and the write pass parses every item a second time (it keeps one item in memory, not the file), which alone costs about the floor again. The write pass stores one row per message; the local store by itself takes ${spanCost.ms.toFixed(0)} ms for 100k small spans (${(spanCost.ms / 100).toFixed(0)} µs each, measured in its own process). A \`--cpu-prof\` profile of the write pass (after the cut of the spans' object spreads, named binding and generic merge, which took ~14 µs a span) splits it into SQLite's inserts (~25 %: a row and two index entries per span, ~70 MB of JSON in all), the commits and their WAL checkpoints (~23 %), the re-read and parse (~21 %), \`JSON.stringify\` of the columns (~11 %), redaction (~9 %) and building the spans (the rest); page size, cache size, checkpoint interval and multi-row INSERTs measured no better than noise, so on this input the write pass cannot approach the floor without storing less. The RSS stays at the same level whatever the file size (items are parsed one at a time); only the floor's grows.`;
writeResultsSection("ingest", "Ingest: a 100 MB tau2 results file against JSON.parse", body);
console.error(body);
