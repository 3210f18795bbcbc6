// npm run bench:devserver — this service against Braintrust's own `braintrust eval --dev` (the installed SDK), on
// the same eval file and the same fake Braintrust API, in one run, alternating (ROUNDS rounds of reference, then
// ours); ratios go to bench/RESULTS.md. Ours starts as the image starts it (`node dist/main.js`); its cold start is
// also measured through `npm start`, which is what a user types. Loopback only. Needs a copy of ../shared/peer-bench
// (its bench.mjs client and fake API; docs/wire-captures.md §3), at PEER_BENCH or beside the project.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { writeResultsSection } from "./results.js";

const root = path.resolve(import.meta.dirname, "..");
const peerBench = path.resolve(process.env.PEER_BENCH ?? path.join(root, "../shared/peer-bench"));
// The copy of ../shared/peer-bench/evals/trivial.eval.ts: inside the project both servers resolve its imports.
const evalFile = path.join(root, "bench/evals/trivial.eval.ts");
const out = path.join(root, "bench/out");
const REPS = process.env.REPS ?? "5";
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const SOAK = Number(process.env.SOAK ?? 20);
const FAKE = 8320;
const TOKEN = "sk-peer-test";
const ORG = "peer-org";

if (!existsSync(path.join(peerBench, "bench.mjs")) || !existsSync(path.join(peerBench, "fake-bt-api.mjs"))) {
  console.error(`bench:devserver needs ${peerBench} (bench.mjs and fake-bt-api.mjs); it is not there. Copy ../shared/peer-bench and set PEER_BENCH.`);
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const fakeUrl = `http://127.0.0.1:${FAKE}`;
const btEnv = {
  BRAINTRUST_APP_URL: fakeUrl,
  BRAINTRUST_API_URL: fakeUrl,
  BRAINTRUST_PROXY_URL: fakeUrl,
  BRAINTRUST_API_KEY: TOKEN,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function start(cmd: string, args: string[], env: Record<string, string>, log: string): ChildProcess {
  const fd = openSync(log, "w");
  return spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", fd, fd] });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`${url} never answered`);
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** One 1000-case streaming eval, read to the end. */
function evalOnce(port: number): Promise<void> {
  const body = JSON.stringify({
    name: "peer-demo",
    stream: true,
    parameters: { prefix: "" },
    data: { data: Array.from({ length: 1000 }, (_, i) => ({ input: `item ${i}`, expected: `ITEM ${i}` })) },
  });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/eval",
        headers: { "x-bt-auth-token": TOKEN, "x-bt-org-name": ORG, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => (text.includes("event: done") ? resolve() : reject(new Error(`eval failed: ${text.slice(-300)}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function soak(port: number, pid: number): Promise<number[]> {
  const rss: number[] = [];
  for (let i = 0; i < SOAK; i++) {
    await evalOnce(port);
    rss.push(rssMB(pid));
  }
  return rss;
}

interface Server {
  label: string;
  command: string[];
  env: (port: number) => Record<string, string>;
  /** The arguments that put it on a port, besides env. */
  portArgs: (port: number) => string[];
  port: number;
  /** Another command that starts the same server, measured for its cold start only. */
  alsoStartedBy?: { label: string; command: string[] };
}

interface Round {
  results: any;
  soak: number[];
  /** Cold starts through alsoStartedBy. */
  startup2?: any[];
}

function benchClient(args: string[]): void {
  execFileSync("node", [path.join(peerBench, "bench.mjs"), ...args], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
}

function coldCommand(server: Server, command: string[], port: number): string {
  const env = Object.entries(server.env(port)).map(([k, v]) => `${k}=${v}`).join(" ");
  return `env ${env} ${[...command, ...server.portArgs(port)].join(" ")}`;
}

async function measure(server: Server, round: number): Promise<Round> {
  const { label, port } = server;
  const child = start(server.command[0], [...server.command.slice(1), ...server.portArgs(port)], server.env(port), path.join(out, `${label}.log`));
  await waitFor(`http://127.0.0.1:${port}/`);
  const json = path.join(out, `${label}-${round}.json`);
  benchClient(["--base", `http://127.0.0.1:${port}`, "--pid", String(child.pid), "--reps", REPS,
    "--start-cmd", coldCommand(server, server.command, port + 1), "--start-base", `http://127.0.0.1:${port + 1}`, "--json", json, "--label", label]);
  const soakRss = await soak(port, child.pid!);
  // `braintrust eval --dev` ignores SIGTERM (its esbuild child keeps it alive): SIGKILL after a grace period.
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
  writeFileSync(path.join(out, `${label}-${round}-soak.json`), JSON.stringify(soakRss));
  if (server.alsoStartedBy) {
    const json2 = path.join(out, `${label}-${round}-${server.alsoStartedBy.label}.json`);
    benchClient(["--base", `http://127.0.0.1:${port + 2}`, "--reps", REPS, "--skip", "list,eval",
      "--start-cmd", coldCommand(server, server.alsoStartedBy.command, port + 2), "--json", json2, "--label", `${label} (${server.alsoStartedBy.label})`]);
  }
  return loadRound(server, round);
}

function loadRound(server: Server, round: number): Round {
  const read = (f: string) => JSON.parse(readFileSync(path.join(out, f), "utf8"));
  const extra = server.alsoStartedBy && path.join(out, `${server.label}-${round}-${server.alsoStartedBy.label}.json`);
  return {
    results: read(`${server.label}-${round}.json`),
    soak: read(`${server.label}-${round}-soak.json`),
    ...(extra && existsSync(extra) ? { startup2: JSON.parse(readFileSync(extra, "utf8")).startup } : {}),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Medians over every repetition of every round; the soak's drift per round. */
function figures(rounds: Round[]) {
  const all = (pick: (r: any) => any[]) => rounds.flatMap((r) => pick(r.results));
  const evalRuns = (label: string) => all((r) => r.eval.find((e: any) => e.label === label).runs);
  const startup = all((r) => r.startup);
  const startup2 = rounds.flatMap((r) => r.startup2 ?? []);
  return {
    cold: median(startup.map((s: any) => s.ready_ms)),
    coldList: median(startup.map((s: any) => s.ready_ms + s.first_list_ms)),
    coldList2: startup2.length ? median(startup2.map((s: any) => s.ready_ms + s.first_list_ms)) : NaN,
    rssReady: median(startup.map((s: any) => s.rss_at_ready_MB)),
    listRps: median(all((r) => r.list_conc.perRep).map((p: any) => p.rps)),
    eval1000: median(evalRuns("trivial n=1000 stream").map((x: any) => x.total_ms)),
    first100: median(evalRuns("trivial n=100 stream").map((x: any) => x.first_event_ms)),
    first1000: median(evalRuns("trivial n=1000 stream").map((x: any) => x.first_event_ms)),
    // Growth over the soak, from after its first eval (JIT and pools warm up there) to its last.
    drifts: rounds.map((r) => (r.soak.at(-1)! - r.soak[1]) / r.soak[1]),
    soakRange: `${Math.min(...rounds.flatMap((r) => r.soak)).toFixed(0)}–${Math.max(...rounds.flatMap((r) => r.soak)).toFixed(0)} MB`,
    ok: rounds.every((r) => r.results.eval.every((e: any) => e.runs.every((x: any) => x.ok))),
    load: rounds.map((r) => r.results.loadavg_start[0].toFixed(1)).join(", "),
  };
}

// Where each measurement's time goes, from the profiles (`node --cpu-prof`) behind these numbers.
const NOTES = readFileSync(path.join(root, "bench/devserver-notes.md"), "utf8").trim();

function report(peer: Round[], ours: Round[]): void {
  const p = figures(peer);
  const o = figures(ours);
  const row = (what: string, a: number, b: number, unit: string, target: string) => {
    const ratio = b / a;
    const limit = Number(target.replace(/[^\d.]/g, ""));
    const pass = target.startsWith("≥") ? ratio >= limit : ratio <= limit;
    return `| ${what} | ${a.toFixed(1)} ${unit} | ${b.toFixed(1)} ${unit} | ${ratio.toFixed(2)} | ${target} | ${pass ? "met" : "**missed**"} |`;
  };
  const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
  const lines = [
    `Run ${new Date().toISOString()}, node ${process.version}, ${ROUNDS} rounds alternating (reference, then ours), REPS=${REPS} per round, eval file ${path.relative(root, evalFile)}, fake API from peer-bench. Medians over all rounds. Load average at each round's start: reference ${p.load}; ours ${o.load}.`,
    `Checks (status, one progress per case, one summary and done, score 1.0): reference ${p.ok ? "passed" : "FAILED"}, ours ${o.ok ? "passed" : "FAILED"}.`,
    "",
    "| measurement | braintrust eval --dev | sema4-demo | ours / reference | target | |",
    "|---|---|---|---|---|---|",
    row("cold start: spawn → first GET /list answered (incl. login), `node dist/main.js`", p.coldList, o.coldList, "ms", "≤0.25"),
    row("cold start: spawn → first GET /list answered (incl. login), `npm start`", p.coldList, o.coldList2, "ms", "≤0.25"),
    row("GET /list throughput, 50 concurrent", p.listRps, o.listRps, "rps", "≥4×"),
    row("POST /eval 1000 cases (SSE) wall time", p.eval1000, o.eval1000, "ms", "≤0.5"),
    row("time to first SSE event, 1000 cases", p.first1000, o.first1000, "ms", "≤0.1"),
    row("time to first SSE event, 100 cases", p.first100, o.first100, "ms", "≤0.1"),
    row("RSS at ready (after the first GET /list)", p.rssReady, o.rssReady, "MB", "≤0.5"),
    `| RSS drift over ${SOAK} × 1000-case evals (2nd → last), per round | ${p.drifts.map(pct).join(", ")} (${p.soakRange}) | ${o.drifts.map(pct).join(", ")} (${o.soakRange}) | | ≤ +10 % | ${o.drifts.every((d) => d <= 0.1) ? "met" : "**missed**"} |`,
    `| cold start: spawn → first answer (GET /), \`node dist/main.js\` | ${p.cold.toFixed(1)} ms | ${o.cold.toFixed(1)} ms | ${(o.cold / p.cold).toFixed(2)} | | |`,
    "",
    `\`npm start\` itself (npm's CLI, before it runs \`node dist/main.js\`) adds ${(o.coldList2 - o.coldList).toFixed(0)} ms to the cold start here.`,
    "",
    NOTES,
    "",
    "Raw numbers: `bench/out/peer-<round>.json`, `bench/out/sema4-demo-<round>.json` (not committed).",
  ];
  writeResultsSection("devserver", "Dev server: sema4-demo vs `braintrust eval --dev`", lines.join("\n"));
  console.log(lines.join("\n"));
}

const servers: Server[] = [
  {
    label: "peer",
    command: ["node", path.join(root, "node_modules/braintrust/dist/cli.js"), "eval", "--dev", "--dev-host", "127.0.0.1", evalFile],
    env: () => btEnv,
    portArgs: (port) => ["--dev-port", String(port)],
    port: 8330,
  },
  {
    label: "sema4-demo",
    command: ["node", path.join(root, "dist/main.js")],
    env: (port) => ({ ...btEnv, PORT: String(port), HOST: "127.0.0.1", EVAL_MODULES: evalFile, NODE_ENV: "production", LOG_LEVEL: "warn", DATA_DIR: path.join(out, "data") }),
    portArgs: () => [],
    port: 8340,
    alsoStartedBy: { label: "npm-start", command: ["npm", "start", "--silent"] },
  },
];

async function main(): Promise<void> {
  // REPORT_ONLY=1 rebuilds the table from the last run's raw numbers in bench/out.
  const rounds = Array.from({ length: ROUNDS }, (_, i) => i);
  if (process.env.REPORT_ONLY) {
    return report(rounds.map((i) => loadRound(servers[0], i)), rounds.map((i) => loadRound(servers[1], i)));
  }
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  const fake = start("node", [path.join(peerBench, "fake-bt-api.mjs")], { FAKE_PORT: String(FAKE), FAKE_LOG: path.join(out, "fake-api.jsonl"), FAKE_LOG_BODIES: "0" }, path.join(out, "fake.log"));
  await waitFor(`${fakeUrl}/ping`);
  try {
    const results: Round[][] = [[], []];
    for (const i of rounds) {
      for (const [k, server] of servers.entries()) results[k].push(await measure(server, i));
    }
    report(results[0], results[1]);
  } finally {
    fake.kill("SIGTERM");
  }
}

await main();
