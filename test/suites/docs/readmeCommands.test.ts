// The README's commands, run as a user would from the repository root: every command of its ```bash blocks is either
// run here, against `npm start` on a free loopback port with a temporary DATA_DIR, or listed below as not run by
// design, with the reason. The models and Braintrust are this suite's local fakes (OpenAI-compatible endpoint via
// OPENAI_BASE_URL, the Braintrust app via BRAINTRUST_APP_URL), as a user would point the service at their own.
// A README command that is neither run nor listed fails the suite, so the README cannot drift from what runs.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SQL_TASKS } from "../../../src/data/tasks.js";
import { startFakeBraintrust, type FakeBraintrust } from "../../support/fakeBraintrust.js";
import { reply, startFakeOpenAI, type FakeOpenAI } from "../../support/fakeOpenAI.js";
import { freePort, waitForHttp } from "../../support/process.js";
import { parseSse } from "../../support/service.js";

/** The commands of the README's bash blocks: comments dropped, `\`-continued lines joined. */
function readmeCommands(text: string): string[] {
  const commands: string[] = [];
  for (const [, block] of text.matchAll(/```bash\n([\s\S]*?)```/g)) {
    let pending = "";
    for (const raw of block.split("\n")) {
      const line = pending + (pending ? raw.trimStart() : raw);
      if (line.endsWith("\\")) {
        pending = `${line.slice(0, -1).trimEnd()} `;
        continue;
      }
      pending = "";
      const command = line.replace(/\s+#.*$/, "").trim();
      if (command && !command.startsWith("#")) commands.push(command);
    }
  }
  return commands;
}

/** Not run here, on purpose: each needs something a test does not have or must not do. */
const NOT_RUN: [RegExp, string][] = [
  // `npm start` itself is run (below); `npm ci` would reinstall the node_modules the suite runs from.
  [/^npm ci && npm start$/, "reinstalls node_modules under the running suite"],
  [/^bash \.ci\/run$/, "runs the whole check, this suite included (its npm ci step: test/suites/deploy/ciRun.test.ts)"],
  [/^EVAL_MODULES=\.\/my-evals\//, "names the reader's own eval files (EVAL_MODULES: test/evals/runtime/eval-modules.test.ts)"],
  [/^OPENAI_API_KEY=sk-\.\.\. npm start$/, "needs an OpenAI key; the service runs here on an OpenAI-compatible fake via OPENAI_BASE_URL"],
  [/^docker /, "needs Docker (the image: test/suites/deploy/)"],
  [/^fly /, "needs a Fly.io account (fly.toml: test/suites/deploy/fly.test.ts)"],
  [/^modal /, "needs a Modal account (modal_app.py: test/suites/deploy/modal.test.ts)"],
  [/^curl -s https:\/\/my-sema4-demo\.fly\.dev\//, "a deployed service, not loopback"],
];

const RESULTS = ["Answer:", "SQL:", "Rows (", "Model ", "Trace: local store"];

/** What a command run here must print; keyed by a pattern of the command. */
const RUN: [RegExp, (out: string) => void][] = [
  [
    /^npm run eval -- sema4-demo --trials 3 --model gpt-4o-mini$/,
    (out) => {
      expect(out).toMatch(/experiment "sema4-demo-gpt-4o-mini" \(.+\): 12 case\(s\), 0 failed/);
      expect(out).toMatch(/sql_correctness +1\b/);
      expect(out).toMatch(/pass\^3/);
      expect(out).toMatch(/viewer: http:\/\/localhost:\d+\/ui\/experiments\//);
    },
  ],
  [
    /^npm run eval -- sema4-demo --data examples\/eval\/sql-cases\.json$/,
    (out) => expect(out).toMatch(/experiment "sema4-demo-.+" \(.+\): 2 case\(s\), 0 failed/),
  ],
  [
    /^curl -s localhost:8300\/list /,
    (out) => expect(Object.keys(JSON.parse(out))).toContain("sema4-demo"),
  ],
  [
    /^curl -sN localhost:8300\/eval /,
    (out) => {
      const events = parseSse(out);
      // "The progress events carry each trial's steps, the case's output and then its scores …; summary averages them."
      expect(events.filter((e) => e.event === "progress").length).toBeGreaterThan(1);
      expect(events.map((e) => e.event).slice(-2)).toEqual(["summary", "done"]);
      const summary = JSON.parse(events.at(-2)!.data);
      expect(Object.keys(summary.scores).sort()).toEqual(["pass_at_k", "pass_exp_k", "sql_correctness"]);
      expect(summary.scores.sql_correctness.score).toBe(1);
    },
  ],
  [
    /^curl -s localhost:8300\/admin\/ingest -H 'content-type: application\/json'/,
    (out) => expect(JSON.parse(out).experiments).toMatchObject([{ name: "grok-3", file: "request body", format: "tau2" }]),
  ],
  [
    /^curl -s 'localhost:8300\/admin\/ingest\?experiment=grok-4/,
    (out) => expect(JSON.parse(out).experiments).toMatchObject([{ name: "grok-4", file: "airline-grok-4.json.gz", dataset: "Airline examples" }]),
  ],
  [
    /^curl -s localhost:8300\/admin\/ingest -F /,
    (out) => {
      const body = JSON.parse(out);
      expect(body.experiments.map((e: { name: string }) => e.name)).toEqual(["grok-3", "grok-4"]);
      expect(body.comparisons).toMatchObject([{ baseline: "grok-3", candidate: "grok-4" }]);
    },
  ],
  [
    /^curl -sN localhost:8300\/admin\/ingest -H 'accept: text\/event-stream'/,
    (out) => {
      const events = parseSse(out);
      expect(events.some((e) => e.event === "progress")).toBe(true);
      expect(events.at(-1)!.event).toBe("result");
      expect(JSON.parse(events.at(-1)!.data).experiments).toMatchObject([{ name: "grok-3", file: "request body" }]);
    },
  ],
  [/^npm run ingest -- examples\/tau2\/airline-grok-3\.json examples\/tau2\/airline-grok-4\.json\.gz --compare$/, (out) => {
    expect(out).toContain("grok-3");
    expect(out).toContain("grok-4");
  }],
  [/^npm run ingest -- examples\/tau2\/airline-grok-3-mini\/$/, (out) => expect(out).toContain("results.json")],
  [/^npm run ingest -- examples\/tau2\/ --dataset "Airline examples"/, (out) => expect(out).toContain("grok-3-mini")],
  [
    /^curl -s localhost:8300\/agent -H 'content-type: application\/json'/,
    (out) => {
      const body = JSON.parse(out);
      expect(Object.keys(body)).toEqual(expect.arrayContaining(["answer", "sql", "columns", "rows", "truncated", "attempts", "steps", "usage", "model", "trace"]));
      expect(body.rows).toHaveLength(1);
    },
  ],
  [
    /^curl -sN localhost:8300\/agent -H 'accept: text\/event-stream'/,
    (out) => {
      const events = parseSse(out);
      expect(events.some((e) => e.event === "step")).toBe(true);
      expect(events.at(-1)!.event).toBe("result");
      expect(JSON.parse(events.at(-1)!.data).score).toMatchObject({ sql_correctness: 1, reason: "equal" });
    },
  ],
  [/^curl -s -X POST localhost:8300\/admin\/push-dataset$/, (out) => expect(JSON.parse(out)).toMatchObject({ store: "local", rows: 12 })],
  [/^curl -s -X POST localhost:8300\/admin\/push-prompt$/, (out) => expect(JSON.parse(out)).toMatchObject({ store: "local" })],
  [/^npm run agent -- "Which plan/, (out) => RESULTS.forEach((s) => expect(out).toContain(s))],
  [/^npm run agent -- --task /, (out) => [...RESULTS, "Score: sql_correctness = 1"].forEach((s) => expect(out).toContain(s))],
  [/^OPENAI_BASE_URL=http:\/\/localhost:11434\/v1 /, (out) => [...RESULTS, "qwen2.5-coder:7b"].forEach((s) => expect(out).toContain(s))],
  [/^npm run push:dataset && npm run push:prompt$/, (out) => expect(out).toMatch(/local/)],
  [/^curl -s localhost:8300\/healthz$/, (out) => expect(JSON.parse(out)).toEqual({ status: "ok" })],
];

const dataDir = mkdtempSync(path.join(tmpdir(), "sema4-readme-"));
const TOKEN = "sk-readme-user";
let fakeBraintrust: FakeBraintrust;
let model: FakeOpenAI;
let port: number;
let service: ChildProcess;
let serviceOutput = "";

/** The model: submits a task's gold query when asked one of the tasks' questions, else a one-row query. */
function answerAsked(messages: { role: string; content: unknown }[]) {
  const asked = JSON.stringify(messages.filter((m) => m.role === "user"));
  const task = SQL_TASKS.find((t) => asked.includes(JSON.stringify(t.question).slice(1, -1)));
  const gold = /no recorded data usage/.test(asked) ? "SELECT COUNT(*) AS customers FROM customers WHERE data_used_gb IS NULL" : undefined;
  return reply.tool("submit_sql", { sql: task?.gold_sql ?? gold ?? "SELECT name FROM plans ORDER BY id LIMIT 1", answer: "From the query." });
}

/** The environment a user would have set: the fakes as their endpoints, a temporary DATA_DIR. */
const userEnv = () => ({
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "/tmp",
  DATA_DIR: dataDir,
  OPENAI_BASE_URL: model.url,
  BRAINTRUST_APP_URL: fakeBraintrust.url,
});

beforeAll(async () => {
  fakeBraintrust = await startFakeBraintrust({ orgName: "my-org", tokens: [TOKEN] });
  model = await startFakeOpenAI({ handler: (request) => answerAsked(request.body.messages) });
  port = await freePort();
  // `npm start`, in its own process group so that stopping it stops what npm started.
  service = spawn("npm", ["start"], {
    env: { ...userEnv(), PORT: String(port), HOST: "127.0.0.1", DEV_ORG_NAME: "my-org", LOG_LEVEL: "warn" },
    detached: true,
  });
  service.stdout!.on("data", (d) => (serviceOutput += d));
  service.stderr!.on("data", (d) => (serviceOutput += d));
  await waitForHttp(`http://127.0.0.1:${port}/readyz`, { child: service, output: () => serviceOutput, exited: new Promise(() => {}) }, 60_000);
}, 90_000);

afterAll(async () => {
  if (service?.pid !== undefined && service.exitCode === null) {
    const exited = new Promise((resolve) => service.once("exit", resolve));
    process.kill(-service.pid, "SIGTERM");
    await exited;
  }
  await Promise.all([fakeBraintrust?.close(), model?.close()]);
});

describe("the README's commands", () => {
  const commands = readmeCommands(readFileSync("README.md", "utf8"));

  it("are each either run here or listed as not run, with a reason", () => {
    const unclassified = commands.filter((c) => !RUN.some(([p]) => p.test(c)) && !NOT_RUN.some(([p]) => p.test(c)));
    expect(unclassified).toEqual([]);
    // Every entry still names a command of the README.
    for (const [pattern] of [...RUN, ...NOT_RUN]) expect(commands.some((c) => pattern.test(c)), String(pattern)).toBe(true);
  });

  it.each(commands.filter((c) => RUN.some(([p]) => p.test(c))))("%s", async (command) => {
    // The README's port and model server, the ones of this run. Its curl commands send $BRAINTRUST_API_KEY as the
    // caller's login; the CLIs run without one, so that they record to the local store.
    const local = command.replaceAll("localhost:8300", `127.0.0.1:${port}`).replaceAll("http://localhost:11434/v1", model.url);
    const env = command.startsWith("curl") ? { ...userEnv(), BRAINTRUST_API_KEY: TOKEN } : userEnv();
    // Not spawnSync: the fakes answer from this process, whose event loop must go on.
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile("bash", ["-c", local], { env, encoding: "utf8", timeout: 120_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
      );
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const check = RUN.find(([p]) => p.test(command))![1];
    check(command.startsWith("curl") ? run.stdout : `${run.stdout}\n${run.stderr}`);
  });
});
