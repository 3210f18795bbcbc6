// npm run bench:ui — the viewer against a large local store, on loopback only:
//   a store of 1,000 experiments (two of them 114 tasks × 20 trials of 49-message conversations, so that one
//   task's trace has 1,001 spans; 998 small ones in 5 projects and 3 domains), ingested by the real CLI;
//   the production build (`npm run build`: dist/main.js and dist/web) started as a child process;
//   in headless Chromium, navigation to content painted for the list, one experiment, the comparison of the two
//   large runs and the 1,001-span trace (cold, then warm medians and maxima);
//   the data API's p50 and p99 per route, and the largest answer (target: none over 2 MB).
// Results go to the "ui" section of bench/RESULTS.md, the raw numbers to bench/out/ui.json.
// The store takes minutes to ingest; it is kept in bench/out/ui-store and reused while the data it was built
// from is the same (REBUILD_STORE=1 builds it again).
// Settings (environment): REPS (10 page loads per page), API_REQUESTS (200 per route), REBUILD_STORE.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ExperimentList, TaskPage, Trace } from "../src/viewer/schemas.js";
import { launchBrowser } from "../test/support/browser.js";
import { freePort, spawnService, stopService as stop, waitForHttp, type Spawned } from "../test/support/process.js";
import { writeResultsSection } from "./results.js";
import { syntheticResults, type SyntheticRun } from "./uiData.js";

const root = path.resolve(import.meta.dirname, "..");
const out = path.join(root, "bench/out");
const REPS = Number(process.env.REPS ?? 10);
const API_REQUESTS = Number(process.env.API_REQUESTS ?? 200);
const PAINT_TARGET_MS = 1000;
const API_P50_TARGET_MS = 50;
const MAX_ANSWER_BYTES = 2 * 1024 * 1024;

const LARGE = { tasks: 114, trials: 20, messages: 49 };
const SMALL = { tasks: 10, trials: 4, messages: 6 };
const PROJECTS = ["tau2-leaderboard", "airline-sweep", "retail-sweep", "telecom-sweep", "ablations"];
const DOMAINS = ["airline", "retail", "telecom"];
const SMALL_RUNS = 998;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
const median = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.5);
const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;

function writeRun(dir: string, run: SyntheticRun): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${run.model}.json`), JSON.stringify(syntheticResults(run)));
}

/** The CLI ingest (a process per batch, as a user runs it) of every file in `dir` into `dataDir`. */
function ingest(dir: string, dataDir: string, project: string, experiments: string[] = []): void {
  execFileSync(
    process.execPath,
    ["--import", "tsx", path.join(root, "src/cli/ingest.ts"), dir, "--project", project, ...experiments.flatMap((e) => ["--experiment", e])],
    // The CLI's progress goes to stderr: kept, and shown only if the ingest fails.
    { cwd: root, env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "warn", BRAINTRUST_API_KEY: "" }, stdio: ["ignore", "ignore", "pipe"], maxBuffer: 64 * 1024 * 1024 },
  );
}

/** What the store is built from: a store built from other data is built again. */
const STORE_RECIPE = JSON.stringify({ version: 1, LARGE, SMALL, PROJECTS, DOMAINS, SMALL_RUNS });

/** The store in `storeDir` (its data/ is the DATA_DIR), built unless one from the same recipe is there. */
function ensureStore(storeDir: string): { dataDir: string; seconds: number | null } {
  const dataDir = path.join(storeDir, "data");
  const recipe = path.join(storeDir, "recipe.json");
  if (!process.env.REBUILD_STORE && existsSync(recipe) && readFileSync(recipe, "utf8") === STORE_RECIPE) return { dataDir, seconds: null };
  rmSync(storeDir, { recursive: true, force: true });
  mkdirSync(storeDir, { recursive: true });
  const work = mkdtempSync(path.join(tmpdir(), "bench-ui-"));
  try {
    const { seconds } = buildStore(work, dataDir);
    writeFileSync(recipe, STORE_RECIPE);
    return { dataDir, seconds };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function buildStore(work: string, dataDir: string): { seconds: number } {
  const started = performance.now();
  const largeDir = path.join(work, "large");
  writeRun(largeDir, { ...LARGE, model: "large-baseline", domain: "airline", skill: 0.45, seed: 1, timestamp: "2025-10-01T10:00:00.000000" });
  writeRun(largeDir, { ...LARGE, model: "large-candidate", domain: "airline", skill: 0.55, seed: 2, timestamp: "2025-10-02T10:00:00.000000" });
  ingest(largeDir, dataDir, "tau2-leaderboard", ["large-baseline", "large-candidate"]);
  // The small runs, a batch per project and domain (one dataset per domain).
  const batches = new Map<string, SyntheticRun[]>();
  for (let i = 0; i < SMALL_RUNS; i++) {
    const project = PROJECTS[i % PROJECTS.length];
    const domain = DOMAINS[Math.floor(i / PROJECTS.length) % DOMAINS.length];
    const day = String(1 + (i % 28)).padStart(2, "0");
    const run = { ...SMALL, model: `model-${String(i).padStart(4, "0")}`, domain, skill: (i % 10) / 10, seed: 100 + i, timestamp: `2025-09-${day}T12:00:00.000000` };
    const key = `${project}/${domain}`;
    batches.set(key, [...(batches.get(key) ?? []), run]);
  }
  for (const [key, runs] of batches) {
    const dir = path.join(work, "small", key);
    for (const run of runs) writeRun(dir, run);
    ingest(dir, dataDir, key.split("/")[0]);
  }
  return { seconds: (performance.now() - started) / 1000 };
}

async function startService(dataDir: string): Promise<{ base: string; service: Spawned }> {
  const port = await freePort();
  const service = spawnService(
    "node",
    [path.join(root, "dist/main.js")],
    { NODE_ENV: "production", HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn", DATA_DIR: dataDir },
    root,
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/readyz`, service, 60_000);
  return { base, service };
}

interface ApiResult {
  route: string;
  p50: number;
  p99: number;
  maxBytes: number;
}

async function measureApi(base: string, route: string, path_: string): Promise<ApiResult> {
  const times: number[] = [];
  let maxBytes = 0;
  for (let i = 0; i < API_REQUESTS + 5; i++) {
    const started = performance.now();
    const res = await fetch(`${base}${path_}`);
    const body = await res.arrayBuffer();
    const elapsed = performance.now() - started;
    if (!res.ok) throw new Error(`GET ${path_}: ${res.status} ${Buffer.from(body).toString().slice(0, 300)}`);
    maxBytes = Math.max(maxBytes, body.byteLength);
    if (i >= 5) times.push(elapsed); // the first few warm the caches
  }
  times.sort((a, b) => a - b);
  return { route, p50: quantile(times, 0.5), p99: quantile(times, 0.99), maxBytes };
}

interface PageResult {
  page: string;
  url: string;
  cold: number;
  warmMedian: number;
  warmMax: number;
}

/**
 * Navigation start to the moment the page's content (`selector`) is in the DOM and a frame has been painted with
 * it: the time comes from the page's own clock (performance.now(), 0 at navigation start).
 */
async function paintTime(page: import("playwright-core").Page, url: string, selector: string): Promise<number> {
  await page.goto(url, { waitUntil: "commit" });
  // A string, not a function: the page must not see the helpers tsx compiles into this file's functions.
  return page.evaluate<number>(`new Promise((resolve) => {
    const sel = ${JSON.stringify(selector)};
    const painted = () => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0));
    if (document.querySelector(sel)) return painted();
    const observer = new MutationObserver(() => {
      if (!document.querySelector(sel)) return;
      observer.disconnect();
      painted();
    });
    observer.observe(document, { childList: true, subtree: true });
  })`);
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  let service: Spawned | undefined;
  try {
    console.error("building (npm run build) …");
    execFileSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
    console.error("the store of 1,000 experiments (generated and ingested unless bench/out/ui-store has it) …");
    const store = ensureStore(path.join(out, "ui-store"));
    const started = await startService(store.dataDir);
    service = started.service;
    const base = started.base;
    const api = async <T>(p: string) => (await (await fetch(`${base}${p}`)).json()) as T;

    const all = await api<ExperimentList>("/api/experiments?limit=1");
    const large = await api<ExperimentList>("/api/experiments?q=large-&limit=10");
    const baseline = large.experiments.find((e) => e.name === "large-baseline")!;
    const candidate = large.experiments.find((e) => e.name === "large-candidate")!;
    const tasks = await api<TaskPage>(`/api/experiments/${baseline.id}/tasks`);
    const task = tasks.tasks[0];
    const trace = await api<Trace>(`/api/traces/experiment/${baseline.id}/${task.rootSpanId}`);
    const trial = task.trials[0];
    const compareQuery = `baseline=${baseline.id}&candidate=${candidate.id}`;

    // ---- the data API
    const routes: [string, string][] = [
      ["GET /api/experiments (first 50 of 1,000)", "/api/experiments"],
      ["GET /api/experiments?q= (text filter)", "/api/experiments?q=model-09"],
      ["GET /api/experiments/:id", `/api/experiments/${baseline.id}`],
      ["GET /api/experiments/:id/tasks (114 × 20)", `/api/experiments/${baseline.id}/tasks`],
      ["GET /api/experiments/:id/tasks?filter=flaky", `/api/experiments/${baseline.id}/tasks?filter=flaky`],
      ["GET /api/compare (114 × 20 vs 114 × 20)", `/api/compare?${compareQuery}`],
      [`GET /api/traces/… (${trace.total} spans)`, `/api/traces/experiment/${baseline.id}/${task.rootSpanId}`],
      ["GET /api/traces/…?under= (one trial)", `/api/traces/experiment/${baseline.id}/${task.rootSpanId}?under=${trial.spanId}`],
      ["GET /api/traces/…/spans/:spanId", `/api/traces/experiment/${baseline.id}/${task.rootSpanId}/spans/${trial.spanId}`],
      ["GET /api/logs", "/api/logs"],
    ];
    console.error("measuring the data API …");
    const apiResults: ApiResult[] = [];
    for (const [route, p] of routes) apiResults.push(await measureApi(base, route, p));

    // ---- the pages in Chromium
    console.error("measuring the pages in Chromium …");
    const browser = await launchBrowser();
    const pages: [string, string, string][] = [
      ["Experiments (/ui/)", "/ui/", "table.experiments tbody tr"],
      ["One experiment (114 tasks × 20 trials)", `/ui/experiments/${baseline.id}`, "table.tasks tbody tr .cell"],
      ["Comparison (114 × 20 vs 114 × 20)", `/ui/compare?${compareQuery}`, "table.heatmap-table tbody tr .cell"],
      [`Trace (${trace.total} spans), opened at a trial`, `/ui/traces/experiment/${baseline.id}/${task.rootSpanId}?span=${trial.spanId}`, "ol.conversation .message"],
    ];
    const pageResults: PageResult[] = [];
    const tab = await browser.open(base);
    for (const [name, url, selector] of pages) {
      const times: number[] = [];
      for (let i = 0; i <= REPS; i++) times.push(await paintTime(tab.page, `${base}${url}`, selector));
      const [cold, ...warm] = times;
      pageResults.push({ page: name, url, cold, warmMedian: median(warm), warmMax: Math.max(...warm) });
      await sleep(100);
    }
    const problems = [...tab.errors, ...tab.foreign.map((u) => `request off the origin: ${u}`)];
    await browser.close();

    // ---- report
    const met = (ok: boolean) => (ok ? "met" : "**missed**");
    const pageRows = pageResults.map(
      (r) => `| ${r.page} | ${ms(r.cold)} | ${ms(r.warmMedian)} | ${ms(r.warmMax)} | ≤ ${PAINT_TARGET_MS} ms | ${met(r.cold <= PAINT_TARGET_MS && r.warmMax <= PAINT_TARGET_MS)} |`,
    );
    const apiRows = apiResults.map(
      (r) =>
        `| ${r.route} | ${ms(r.p50)} | ${ms(r.p99)} | ${(r.maxBytes / 1024).toFixed(0)} KB | ${met(r.p50 <= API_P50_TARGET_MS)} | ${met(r.maxBytes <= MAX_ANSWER_BYTES)} |`,
    );
    const body = [
      `Run ${new Date().toISOString()}, node ${process.version}, Chromium (${path.basename(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium")}, headless), the production build (dist/main.js, dist/web) as a child process.`,
      `Store: ${all.total} experiments (${large.experiments.length} of ${LARGE.tasks} tasks × ${LARGE.trials} trials × ${LARGE.messages}-message conversations, ${SMALL_RUNS} of ${SMALL.tasks} × ${SMALL.trials}), ingested by the CLI${store.seconds === null ? " (a store built by an earlier run)" : ` in ${store.seconds.toFixed(0)} s`}.`,
      "",
      `Pages: navigation start to the content painted (the selector present and a frame drawn), by the page's own clock; the first load with a cold cache, then ${REPS} warm loads.`,
      "",
      "| page | cold | warm median | warm max | target | |",
      "|---|---|---|---|---|---|",
      ...pageRows,
      "",
      `Data API: ${API_REQUESTS} sequential requests per route after 5 to warm up, latency to the whole answer read.`,
      "",
      "| route | p50 | p99 | answer | p50 ≤ 50 ms | ≤ 2 MB |",
      "|---|---|---|---|---|---|",
      ...apiRows,
      "",
      problems.length === 0 ? "No console error and no request off the service's origin in any page load." : `Problems seen: ${problems.join("; ")}`,
      "Raw numbers: `bench/out/ui.json` (not committed).",
    ].join("\n");
    writeFileSync(path.join(out, "ui.json"), JSON.stringify({ store, pages: pageResults, api: apiResults, problems }, null, 2));
    writeResultsSection("ui", "Viewer: pages painted and the data API, 1,000 experiments", body);
    console.log(body);
  } finally {
    if (service) await stop(service);
  }
}

await main();
