// npm run bench:load — the production build under load, against a fake Braintrust API, on loopback only:
//   1. many concurrent GET /list,
//   2. 20 concurrent 100-case streaming evals (several rounds),
//   3. a soak of repeated 100-case evals for SOAK_MINUTES (default 10),
// with p50/p99 latency and errors per phase, and the service's RSS sampled every 10 s throughout (target: flat).
// The results go to the "load" section of bench/RESULTS.md, the raw samples to bench/out/load.json.
//
// Settings (environment): SOAK_MINUTES (10), SOAK_CONCURRENCY (4 evals at a time), LIST_REQUESTS (20000),
// LIST_CONCURRENCY (100), EVAL_CONCURRENCY (20), EVAL_ROUNDS (5), RSS_EVERY_MS (10000).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { freePort, spawnService, stopService as stop, waitForHttp, type Spawned } from "../test/support/process.js";
import { writeResultsSection } from "./results.js";

const root = path.resolve(import.meta.dirname, "..");
const out = path.join(root, "bench/out");
const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SOAK_MINUTES = setting("SOAK_MINUTES", 10);
const SOAK_CONCURRENCY = setting("SOAK_CONCURRENCY", 4);
const LIST_REQUESTS = setting("LIST_REQUESTS", 20_000);
const LIST_CONCURRENCY = setting("LIST_CONCURRENCY", 100);
const EVAL_CONCURRENCY = setting("EVAL_CONCURRENCY", 20);
const EVAL_ROUNDS = setting("EVAL_ROUNDS", 5);
const RSS_EVERY_MS = setting("RSS_EVERY_MS", 10_000);
const CASES = 100;
const TOKEN = "sk-peer-test";
const ORG = "peer-org";
// What the service must allow for this load: more evals at once than the 20 sent together (a slot is freed just
// after its stream ends), and no per-caller rate limit in the way (every request here carries one token).
const SERVICE_LIMITS = { MAX_CONCURRENT_EVALS: "40", RATE_LIMIT_EVAL_PER_MINUTE: "1000000" };
const sharedFake = path.resolve(root, "../shared/peer-bench/fake-bt-api.mjs");

// ---- processes -------------------------------------------------------------------------------------------------

interface Fake {
  url: string;
  label: string;
  /** Drops the rows the fake keeps, so that its memory stays bounded over a long soak (shared fake only). */
  reset(): Promise<void>;
  process: Spawned;
}

async function startFake(): Promise<Fake> {
  if (existsSync(sharedFake)) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const spawned = spawnService("node", [sharedFake], { FAKE_PORT: String(port), FAKE_LOG: path.join(out, "load-fake-api.jsonl"), FAKE_LOG_BODIES: "0" });
    await waitForHttp(`${url}/ping`, spawned);
    const reset = async () => void (await fetch(`${url}/__fake/reset`, { method: "POST" }));
    return { url, label: "../shared/peer-bench/fake-bt-api.mjs", reset, process: spawned };
  }
  const spawned = spawnService(path.join(root, "node_modules/.bin/tsx"), [path.join(root, "bench/fakeBraintrust.ts")], {}, root);
  for (let i = 0; i < 400 && !/^http:\S+\n/.test(spawned.output()); i++) await sleep(50);
  const url = /^(http:\S+)\n/.exec(spawned.output())?.[1];
  if (!url) throw new Error(`the fake Braintrust API did not start:\n${spawned.output()}`);
  return { url, label: "test/support/fakeBraintrust.ts", reset: async () => {}, process: spawned };
}

async function startService(fakeUrl: string, dir: string): Promise<{ base: string; service: Spawned }> {
  const port = await freePort();
  const service = spawnService("node", [path.join(root, "dist/main.js")], {
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    LOG_LEVEL: "warn",
    EVAL_MODULES: path.join(root, "bench/evals/trivial.eval.ts"),
    BRAINTRUST_APP_URL: fakeUrl,
    BRAINTRUST_API_URL: fakeUrl,
    BRAINTRUST_PROXY_URL: fakeUrl,
    DATA_DIR: path.join(dir, "data"),
    SEMA4_DB_PATH: path.join(dir, "sema4_eval.db"),
    ...SERVICE_LIMITS,
  }, root);
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/readyz`, service, 60_000);
  return { base, service };
}

/** A phase run against a process that has died measures nothing: stop with what it printed. */
function checkAlive(processes: Record<string, Spawned>): void {
  for (const [name, p] of Object.entries(processes)) {
    const end = p.child.exitCode ?? p.child.signalCode;
    if (end !== null) throw new Error(`${name} exited (${end}):\n${p.output().slice(-3000)}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- measuring -------------------------------------------------------------------------------------------------

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface RssSample {
  seconds: number;
  phase: string;
  mb: number;
}

/** Samples the RSS every RSS_EVERY_MS, each sample tagged with the phase running at the time. */
function sampleRss(pid: number, started: number, phase: () => string): { samples: RssSample[]; stop(): void } {
  const samples: RssSample[] = [];
  const take = () => samples.push({ seconds: Math.round((Date.now() - started) / 1000), phase: phase(), mb: rssMB(pid) });
  take();
  const timer = setInterval(take, RSS_EVERY_MS);
  return { samples, stop: () => (clearInterval(timer), take()) };
}

interface Outcome {
  ok: boolean;
  ms: number;
  /** Time to the first byte of the body: for a stream, its first event. */
  firstMs: number;
  error?: string;
}

/** One request, read to its end; `check` says whether the answer is right. Never rejects. */
function timed(agent: http.Agent, base: string, method: string, route: string, body: string | undefined, check: (status: number, text: string) => string | undefined, timeoutMs: number): Promise<Outcome> {
  const url = new URL(route, base);
  const started = performance.now();
  return new Promise((resolve) => {
    let firstMs = NaN;
    const done = (error?: string) => resolve({ ok: error === undefined, ms: performance.now() - started, firstMs, error });
    const headers: Record<string, string | number> = { "x-bt-auth-token": TOKEN, "x-bt-org-name": ORG };
    if (body !== undefined) Object.assign(headers, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    const req = http.request({ agent, host: url.hostname, port: url.port, method, path: url.pathname, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => {
        if (chunks.length === 0) firstMs = performance.now() - started;
        chunks.push(c);
      });
      res.on("end", () => done(check(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"))));
      res.on("error", (e) => done(`response: ${e.message}`));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e) => done(`request: ${e.message}`));
    req.end(body);
  });
}

const listCheck = (status: number, text: string) =>
  status !== 200 ? `status ${status}: ${text.slice(0, 200)}` : text.includes('"peer-demo"') ? undefined : "no peer-demo in /list";

const evalBody = JSON.stringify({
  name: "peer-demo",
  stream: true,
  parameters: { prefix: "" },
  data: { data: Array.from({ length: CASES }, (_, i) => ({ input: `item ${i}`, expected: `ITEM ${i}` })) },
});

/** 200, one progress event per case, no error event, a summary with a perfect score, then done. */
function evalCheck(status: number, text: string): string | undefined {
  if (status !== 200) return `status ${status}: ${text.slice(0, 200)}`;
  if (text.includes("event: error")) return `error event: ${text.slice(text.indexOf("event: error"), text.indexOf("event: error") + 300)}`;
  const progress = text.split("event: progress\n").length - 1;
  if (progress !== CASES) return `${progress} progress events for ${CASES} cases`;
  const summary = /event: summary\ndata: (.*)\n/.exec(text)?.[1];
  if (!summary || JSON.parse(summary).scores?.exact_match?.score !== 1) return `summary: ${summary?.slice(0, 200)}`;
  if (!text.trimEnd().endsWith("event: done\ndata:")) return "the stream did not end with done";
  return undefined;
}

/** Calls of `one`, `concurrency` at a time, for as long as `next()` says so. */
async function pool(concurrency: number, next: () => boolean, one: () => Promise<Outcome>): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next()) outcomes.push(await one());
    }),
  );
  return outcomes;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface PhaseResult {
  what: string;
  outcomes: Outcome[];
  seconds: number;
  unit: string;
  perItem: number;
}

function summarize(r: PhaseResult) {
  const ms = r.outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const first = r.outcomes.map((o) => o.firstMs).filter(Number.isFinite).sort((a, b) => a - b);
  const errors = r.outcomes.filter((o) => !o.ok);
  const kinds = new Map<string, number>();
  for (const e of errors) kinds.set(e.error!.slice(0, 120), (kinds.get(e.error!.slice(0, 120)) ?? 0) + 1);
  return {
    what: r.what,
    requests: r.outcomes.length,
    errors: errors.length,
    errorKinds: [...kinds].map(([k, n]) => `${n}× ${k}`),
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    firstP50: percentile(first, 50),
    firstP99: percentile(first, 99),
    rate: (r.outcomes.length * r.perItem) / r.seconds,
    unit: r.unit,
  };
}

// ---- the run ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  const dir = mkdtempSync(path.join(tmpdir(), "sema4-load-"));
  const fake = await startFake();
  let service: Spawned | undefined;
  try {
    const started = await startService(fake.url, dir);
    service = started.service;
    const base = started.base;
    const pid = service.child.pid!;
    let phase = "ready";
    const t0 = Date.now();
    const rss = sampleRss(pid, t0, () => phase);
    const phases: PhaseResult[] = [];
    const marks: Record<string, number> = { ready: rssMB(pid) };

    // 1. /list
    phase = "list";
    const listAgent = new http.Agent({ keepAlive: true, maxSockets: LIST_CONCURRENCY });
    let sent = 0;
    let t = performance.now();
    const list = await pool(LIST_CONCURRENCY, () => sent++ < LIST_REQUESTS, () => timed(listAgent, base, "GET", "/list", undefined, listCheck, 10_000));
    phases.push({ what: `GET /list, ${LIST_CONCURRENCY} concurrent`, outcomes: list, seconds: (performance.now() - t) / 1000, unit: "requests/s", perItem: 1 });
    listAgent.destroy();
    marks.list = rssMB(pid);
    console.log(`list: ${list.length} requests`);
    checkAlive({ service, fake: fake.process });

    // 2. 20 concurrent 100-case evals, EVAL_ROUNDS times
    phase = "concurrent evals";
    await fake.reset();
    const evalAgent = new http.Agent({ keepAlive: true, maxSockets: Math.max(EVAL_CONCURRENCY, SOAK_CONCURRENCY) });
    const oneEval = () => timed(evalAgent, base, "POST", "/eval", evalBody, evalCheck, 120_000);
    const concurrent: Outcome[] = [];
    t = performance.now();
    for (let round = 0; round < EVAL_ROUNDS; round++) {
      concurrent.push(...(await Promise.all(Array.from({ length: EVAL_CONCURRENCY }, oneEval))));
    }
    phases.push({ what: `POST /eval, ${CASES} cases (SSE), ${EVAL_CONCURRENCY} concurrent × ${EVAL_ROUNDS} rounds`, outcomes: concurrent, seconds: (performance.now() - t) / 1000, unit: "cases/s", perItem: CASES });
    marks.evals = rssMB(pid);
    console.log(`concurrent evals: ${concurrent.length}`);
    checkAlive({ service, fake: fake.process });

    // 3. soak
    phase = "soak";
    const soakEnd = Date.now() + SOAK_MINUTES * 60_000;
    t = performance.now();
    const running = () => service!.child.exitCode === null && fake.process.child.exitCode === null;
    // The shared fake keeps every row it is sent: it is emptied once a minute, between evals (emptied under a
    // running eval, it would lose that eval's rows before its summary).
    const soak: Outcome[] = [];
    while (Date.now() < soakEnd && running()) {
      const sliceEnd = Math.min(soakEnd, Date.now() + 60_000);
      soak.push(...(await pool(SOAK_CONCURRENCY, () => Date.now() < sliceEnd && running(), oneEval)));
      await fake.reset();
    }
    phases.push({ what: `soak: ${SOAK_MINUTES} min of ${CASES}-case evals, ${SOAK_CONCURRENCY} at a time`, outcomes: soak, seconds: (performance.now() - t) / 1000, unit: "cases/s", perItem: CASES });
    evalAgent.destroy();
    phase = "end";
    rss.stop();
    console.log(`soak: ${soak.length} evals`);
    checkAlive({ service, fake: fake.process });

    const results = phases.map(summarize);
    const soakSamples = rss.samples.filter((s) => s.phase === "soak");
    writeFileSync(path.join(out, "load.json"), JSON.stringify({ results, rss: rss.samples, marks }, null, 2));
    const body = report(results, rss.samples, soakSamples, marks, fake.label);
    writeResultsSection("load", "Load: concurrent /list, 20 concurrent evals, a soak", body);
    console.log(body);
  } finally {
    if (service) await stop(service);
    await stop(fake.process);
    if (service) writeFileSync(path.join(out, "load-service.log"), service.output());
    writeFileSync(path.join(out, "load-fake.log"), fake.process.output());
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the report ------------------------------------------------------------------------------------------------

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

/** MB per minute of a least-squares line through the samples. */
function slope(samples: RssSample[]): number {
  const n = samples.length;
  if (n < 2) return NaN;
  const mx = samples.reduce((s, x) => s + x.seconds, 0) / n;
  const my = samples.reduce((s, x) => s + x.mb, 0) / n;
  const num = samples.reduce((s, x) => s + (x.seconds - mx) * (x.mb - my), 0);
  const den = samples.reduce((s, x) => s + (x.seconds - mx) ** 2, 0);
  return (num / den) * 60;
}

function report(results: ReturnType<typeof summarize>[], all: RssSample[], soak: RssSample[], marks: Record<string, number>, fakeLabel: string): string {
  const f = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "—");
  // Flat: after a warm-up (the soak's first tenth: JIT, pools, caches), the median RSS of the last fifth of the
  // samples against that of the first fifth, within ±10 %.
  const afterWarmUp = soak.slice(Math.max(1, Math.round(soak.length / 10)));
  const fifth = Math.max(1, Math.floor(afterWarmUp.length / 5));
  const early = afterWarmUp.slice(0, fifth).map((s) => s.mb);
  const late = afterWarmUp.slice(-fifth).map((s) => s.mb);
  const drift = (median(late) - median(early)) / median(early);
  const errors = results.reduce((n, r) => n + r.errors, 0);
  const lines = [
    `Run ${new Date().toISOString()}, node ${process.version}, the production build (\`npm run build\`, \`node dist/main.js\`, NODE_ENV=production, LOG_LEVEL=warn) serving \`bench/evals/trivial.eval.ts\`, against the fake Braintrust API ${fakeLabel} (token \`${TOKEN}\`, org \`${ORG}\`). Loopback only; the client, the fake API and the service share the machine (${availableParallelism()} cores).`,
    `Limits raised for the run by environment: \`MAX_CONCURRENT_EVALS=${SERVICE_LIMITS.MAX_CONCURRENT_EVALS}\` (default 20: 20 evals sent together need a little headroom, since a slot is freed just after its stream ends) and \`RATE_LIMIT_EVAL_PER_MINUTE=${SERVICE_LIMITS.RATE_LIMIT_EVAL_PER_MINUTE}\` (default 60 per caller; every request here carries the same token). Evals are experiment-mode runs (no parent), each read to its \`done\` and checked: ${CASES} progress events, no error event, a summary with exact_match 1.`,
    "",
    "| phase | requests | errors | latency p50 | latency p99 | first event p50 / p99 | throughput |",
    "|---|---|---|---|---|---|---|",
    ...results.map(
      (r) =>
        `| ${r.what} | ${r.requests} | ${r.errors} | ${f(r.p50)} ms | ${f(r.p99)} ms | ${r.what.startsWith("GET") ? "" : `${f(r.firstP50)} / ${f(r.firstP99)} ms`} | ${f(r.rate, 0)} ${r.unit} |`,
    ),
    "",
    `Errors: ${errors} (target 0)${errors ? `: ${results.flatMap((r) => r.errorKinds).join("; ")}` : ""}.`,
    "",
    `RSS (MB): at ready ${f(marks.ready)}, after /list ${f(marks.list)}, after the concurrent evals ${f(marks.evals)}; over the soak ${f(Math.min(...soak.map((s) => s.mb)))}–${f(Math.max(...soak.map((s) => s.mb)))}, ` +
      `after the first tenth (warm-up) the last fifth of the samples (median ${f(median(late))}) against the first fifth (median ${f(median(early))}): ` +
      `${f(drift * 100)} % (target flat, ±10 %: ${Math.abs(drift) <= 0.1 ? "met" : "**missed**"}); least-squares slope over the same samples ${f(slope(afterWarmUp), 2)} MB/min.`,
    "",
    `RSS every ${RSS_EVERY_MS / 1000} s, one row per minute of the run:`,
    "",
    "| minute | phase | RSS samples (MB) |",
    "|---|---|---|",
    ...[...new Set(all.map((s) => Math.floor(s.seconds / 60)))].map((minute) => {
      const inMinute = all.filter((s) => Math.floor(s.seconds / 60) === minute);
      return `| ${minute} | ${[...new Set(inMinute.map((s) => s.phase))].join(", ")} | ${inMinute.map((s) => f(s.mb, 0)).join(" ")} |`;
    }),
    "",
    "Raw samples and latencies: `bench/out/load.json` (not committed).",
  ];
  return lines.join("\n");
}

await main();
