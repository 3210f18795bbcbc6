// npm run bench:devserver — this service against Braintrust's own `braintrust eval --dev` (the installed SDK), on
// the same eval file and the same fake Braintrust API, in one run; ratios go to bench/RESULTS.md.
// Loopback only. Needs ../shared/peer-bench (its bench.mjs client and fake API) beside the project
// (docs/wire-captures.md §3).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { writeResultsSection } from "./results.js";

const root = path.resolve(import.meta.dirname, "..");
const peerBench = path.resolve(root, "../shared/peer-bench");
// The copy of ../shared/peer-bench/evals/trivial.eval.ts: inside the project both servers resolve its imports.
const evalFile = path.join(root, "bench/evals/trivial.eval.ts");
const out = path.join(root, "bench/out");
const REPS = process.env.REPS ?? "5";
const SOAK = Number(process.env.SOAK ?? 20);
const FAKE = 8320;
const TOKEN = "sk-peer-test";
const ORG = "peer-org";

if (!existsSync(path.join(peerBench, "bench.mjs")) || !existsSync(path.join(peerBench, "fake-bt-api.mjs"))) {
  console.error(`bench:devserver needs ${peerBench} (bench.mjs and fake-bt-api.mjs); it is not there.`);
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

interface Side {
  label: string;
  results: any;
  soak: number[];
}

async function measure(label: string, command: string[], env: (port: number) => Record<string, string>, port: number): Promise<Side> {
  const child = start(command[0]!, command.slice(1).concat(label === "peer" ? ["--dev-port", String(port)] : []), env(port), path.join(out, `${label}.log`));
  await waitFor(`http://127.0.0.1:${port}/`);
  const coldPort = port + 1;
  const coldEnv = Object.entries(env(coldPort)).map(([k, v]) => `${k}=${v}`).join(" ");
  const coldCmd = `env ${coldEnv} ${command.join(" ")}${label === "peer" ? ` --dev-port ${coldPort}` : ""}`;
  const json = path.join(out, `${label}.json`);
  execFileSync(
    "node",
    [path.join(peerBench, "bench.mjs"), "--base", `http://127.0.0.1:${port}`, "--pid", String(child.pid), "--reps", REPS,
      "--start-cmd", coldCmd, "--start-base", `http://127.0.0.1:${coldPort}`, "--json", json, "--label", label],
    { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
  );
  const soakRss = await soak(port, child.pid!);
  // `braintrust eval --dev` ignores SIGTERM (its esbuild child keeps it alive): SIGKILL after a grace period.
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
  writeFileSync(path.join(out, `${label}-soak.json`), JSON.stringify(soakRss));
  return loadSide(label);
}

function loadSide(label: string): Side {
  return {
    label,
    results: JSON.parse(readFileSync(path.join(out, `${label}.json`), "utf8")),
    soak: JSON.parse(readFileSync(path.join(out, `${label}-soak.json`), "utf8")),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function figures(side: Side) {
  const r = side.results;
  const evalRuns = (label: string) => r.eval.find((e: any) => e.label === label).runs;
  return {
    cold: median(r.startup.map((s: any) => s.ready_ms)),
    coldList: median(r.startup.map((s: any) => s.ready_ms + s.first_list_ms)),
    rssReady: median(r.startup.map((s: any) => s.rss_at_ready_MB)),
    listRps: median(r.list_conc.perRep.map((p: any) => p.rps)),
    eval1000: median(evalRuns("trivial n=1000 stream").map((x: any) => x.total_ms)),
    first100: median(evalRuns("trivial n=100 stream").map((x: any) => x.first_event_ms)),
    first1000: median(evalRuns("trivial n=1000 stream").map((x: any) => x.first_event_ms)),
    // Flatness over the soak, after the first eval (JIT and pools warm up there).
    soakDrift: (side.soak.at(-1)! - side.soak[1]!) / side.soak[1]!,
    soakRange: `${Math.min(...side.soak).toFixed(0)}–${Math.max(...side.soak).toFixed(0)} MB`,
    ok: r.eval.every((e: any) => e.runs.every((x: any) => x.ok)),
  };
}

function report(peer: Side, ours: Side): void {
  const p = figures(peer);
  const o = figures(ours);
  const row = (what: string, a: number, b: number, unit: string, target: string, better: "lower" | "higher") => {
    const ratio = b / a;
    const pass = better === "lower" ? ratio <= Number(target.slice(1)) : ratio >= Number(target.slice(1).replace("×", ""));
    return `| ${what} | ${a.toFixed(1)} ${unit} | ${b.toFixed(1)} ${unit} | ${ratio.toFixed(2)} | ${target} | ${pass ? "met" : "**missed**"} |`;
  };
  const lines = [
    `Run ${new Date().toISOString()}, node ${process.version}, REPS=${REPS}, eval file ${path.relative(root, evalFile)}, fake API from ../shared/peer-bench. Medians.`,
    `Checks (status, one progress per case, one summary and done, score 1.0): peer ${p.ok ? "passed" : "FAILED"}, ours ${o.ok ? "passed" : "FAILED"}.`,
    "",
    "| measurement | braintrust eval --dev | sema4-demo | ours / peer | target | |",
    "|---|---|---|---|---|---|",
    row("cold start: spawn → first answer (GET /)", p.cold, o.cold, "ms", "≤0.25", "lower"),
    row("cold start: spawn → first GET /list answered (incl. login)", p.coldList, o.coldList, "ms", "≤1", "lower"),
    row("GET /list throughput, 50 concurrent", p.listRps, o.listRps, "rps", "≥4×", "higher"),
    row("POST /eval 1000 cases (SSE) wall time", p.eval1000, o.eval1000, "ms", "≤0.5", "lower"),
    row("time to first SSE event, 100 cases", p.first100, o.first100, "ms", "≤0.1", "lower"),
    row("time to first SSE event, 1000 cases", p.first1000, o.first1000, "ms", "≤0.1", "lower"),
    row("RSS at ready (after the first GET /list)", p.rssReady, o.rssReady, "MB", "≤0.5", "lower"),
    `| RSS drift over ${SOAK} × 1000-case evals (2nd → last) | ${(p.soakDrift * 100).toFixed(1)} % (${p.soakRange}) | ${(o.soakDrift * 100).toFixed(1)} % (${o.soakRange}) | | ±10 % | ${Math.abs(o.soakDrift) <= 0.1 ? "met" : "**missed**"} |`,
    "",
    "Raw numbers: `bench/out/peer.json`, `bench/out/sema4-demo.json` (not committed).",
  ];
  writeResultsSection("devserver", "Dev server: sema4-demo vs `braintrust eval --dev`", lines.join("\n"));
  console.log(lines.join("\n"));
}

async function main(): Promise<void> {
  // REPORT_ONLY=1 rebuilds the table from the last run's raw numbers in bench/out.
  if (process.env.REPORT_ONLY) return report(loadSide("peer"), loadSide("sema4-demo"));
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  const fake = start("node", [path.join(peerBench, "fake-bt-api.mjs")], { FAKE_PORT: String(FAKE), FAKE_LOG: path.join(out, "fake-api.jsonl"), FAKE_LOG_BODIES: "0" }, path.join(out, "fake.log"));
  await waitFor(`${fakeUrl}/ping`);
  try {
    const peer = await measure(
      "peer",
      ["node", path.join(root, "node_modules/braintrust/dist/cli.js"), "eval", "--dev", "--dev-host", "127.0.0.1", evalFile],
      () => btEnv,
      8330,
    );
    const ours = await measure(
      "sema4-demo",
      ["node", path.join(root, "dist/main.js")],
      (port) => ({ ...btEnv, PORT: String(port), HOST: "127.0.0.1", EVAL_MODULES: evalFile, NODE_ENV: "production", LOG_LEVEL: "warn", DATA_DIR: path.join(out, "data") }),
      8340,
    );
    report(peer, ours);
  } finally {
    fake.kill("SIGTERM");
  }
}

await main();
