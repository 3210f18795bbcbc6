// The viewer end to end in headless Chromium, as a new user meets it: two runs that share tasks ingested, sign-in
// with the token (and a 401 without), the list, one experiment, a trace opened from a trial cell, the comparison.
// Real tau2 files from ../shared/data/tau2 when present, generated ones otherwise. Every page is watched for
// requests that leave the service's origin and for console errors; a failing test leaves a screenshot in
// test-results/.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import type { Comparison, ExperimentList, TaskPage } from "../../src/viewer/schemas.js";
import { SQL_TASKS } from "../../src/data/tasks.js";
import { tau2Results, trials } from "../support/ingestFixtures.js";
import { launchBrowser, screenshot, type Browser, type WatchedPage } from "../support/browser.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fakeOpenAI.js";
import { oracleModel, startAgentHarness, type AgentHarness } from "../support/sqlAgentHarness.js";
import { buildPages, hasRealRuns, readFile, REAL_RUNS, startViewer, type RunningViewer } from "./viewerApp.js";

const TOKEN = "viewer-e2e-token-3f9a";
const OPENAI_KEY = "sk-test-openai-viewer-e2e";
const AGENT_TASK = SQL_TASKS[4];

/** Two runs of the same tasks: the real grok-3-mini and grok-3 airline files, or generated ones. */
function runFiles(): { name: string; body: string }[] {
  if (hasRealRuns()) return REAL_RUNS.map(readFile);
  const tasks = ["11", "24", "32", "8"];
  const baseline = trials({ "11": [0, 0, 0, 0], "24": [0, 0, 0, 1], "32": [0, 0, 1, 0], "8": [1, 0, 0, 0] });
  const candidate = trials({ "11": [1, 0, 0, 0], "24": [0, 0, 0, 1], "32": [0, 0, 1, 0], "8": [1, 1, 1, 1] });
  return [
    { name: "grok-3-mini.json", body: JSON.stringify(tau2Results({ domain: "airline", model: "xai/grok-3-mini", tasks, sims: baseline })) },
    { name: "grok-3.json", body: JSON.stringify(tau2Results({ domain: "airline", model: "xai/grok-3", tasks, sims: candidate })) },
  ];
}

let webDir: string;
let harness: AgentHarness;
let model: FakeOpenAI;
let viewer: RunningViewer;
let browser: Browser;
let tab: WatchedPage;
let list: ExperimentList;
let agentAnswer: { columns: string[]; rows: unknown[][]; sql: string };

beforeAll(async () => {
  webDir = await buildPages();
  // The SQL agent answers one built-in task against the scripted model, so that the store holds an agent run.
  harness = await startAgentHarness();
  model = await startFakeOpenAI({ apiKey: OPENAI_KEY, handler: oracleModel() });
  viewer = await startViewer({
    webDir,
    token: TOKEN,
    config: { OPENAI_BASE_URL: model.url, OPENAI_API_KEY: OPENAI_KEY, SEMA4_DB_PATH: harness.dbPath },
    deps: { sandboxFactory: harness.sandboxFactory },
  });
  await viewer.ingest(runFiles().map((f, i) => ({ ...f, experiment: ["grok-3-mini", "grok-3"][i] })));
  agentAnswer = await viewer.post("/agent", { task_id: AGENT_TASK.id });
  list = await viewer.api<ExperimentList>("/api/experiments");
  browser = await launchBrowser();
  tab = await browser.open(viewer.origin);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await viewer?.close();
  await model?.close();
  await harness?.close();
  if (webDir) rmSync(webDir, { recursive: true, force: true });
});

/** Keeps a screenshot of the page when the current test fails. */
function keepScreenshotOnFailure(name: string) {
  onTestFailed(async () => {
    await screenshot(tab.page, `viewer-${name}`).catch(() => undefined);
  });
}

const byName = (name: string) => list.experiments.find((e) => e.name === name)!;

describe("the viewer in Chromium", () => {
  it("sends a browser without a session to the sign-in page, and the API answers 401 without a token", async () => {
    keepScreenshotOnFailure("sign-in-required");
    const res = await fetch(`${viewer.origin}/api/experiments`);
    expect(res.status).toBe(401);
    await tab.page.goto(`${viewer.origin}/ui/`);
    expect(new URL(tab.page.url()).pathname).toBe("/ui/sign-in");
    await tab.page.getByLabel("Token").fill("not-the-token");
    await tab.page.getByRole("button", { name: "Sign in" }).click();
    await tab.page.getByRole("alert").waitFor();
    expect(await tab.page.getByRole("alert").textContent()).toContain("not accepted");
    // The refused sign-in answers 401, which Chromium reports on the console: expected here, and only here.
    tab.errors.splice(0);
  });

  it("signs in with the token and lists both experiments, grouped by project and dataset, newest first", async () => {
    keepScreenshotOnFailure("list");
    await tab.page.goto(`${viewer.origin}/ui/`);
    await tab.page.getByLabel("Token").fill(TOKEN);
    await tab.page.getByRole("button", { name: "Sign in" }).click();
    await tab.page.getByRole("heading", { name: "Experiments", level: 1 }).waitFor();
    expect(new URL(tab.page.url()).pathname).toBe("/ui/");
    const group = tab.page.getByRole("region", { name: `${list.experiments[0].project}, ${list.experiments[0].dataset!.name}` });
    const names = await group.locator("tbody th a").allTextContents();
    expect(names).toEqual(list.experiments.map((e) => e.name));
    expect(names.sort()).toEqual(["grok-3", "grok-3-mini"]);
    const row = group.locator("tbody tr", { hasText: "grok-3-mini" });
    const mini = byName("grok-3-mini");
    expect(await row.textContent()).toContain(`${(mini.avgReward!.value * 100).toFixed(1)}%`);
    expect(await row.textContent()).toContain(mini.agentModel!);
  });

  it("filters the list by text", async () => {
    keepScreenshotOnFailure("list-filter");
    await tab.page.getByRole("searchbox").fill("mini");
    await tab.page.waitForURL(/q=mini/);
    await tab.page.locator("tbody th a", { hasText: /^grok-3$/ }).waitFor({ state: "detached" });
    expect(await tab.page.locator("table.experiments tbody th a").allTextContents()).toEqual(["grok-3-mini"]);
    await tab.page.getByRole("searchbox").fill("");
    await tab.page.locator("tbody th a", { hasText: /^grok-3$/ }).waitFor();
  });

  it("shows one experiment: headline, pass^k curve and the tasks with a cell per trial", async () => {
    keepScreenshotOnFailure("experiment");
    const grok3 = byName("grok-3");
    await tab.page.getByRole("link", { name: "grok-3", exact: true }).click();
    await tab.page.getByRole("heading", { name: "grok-3", level: 1 }).waitFor();
    const headline = await tab.page.locator("dl.headline").textContent();
    expect(headline).toContain(`${(grok3.avgReward!.value * 100).toFixed(1)}%`);
    // The curve is drawn (uPlot's canvas) and its numbers are named for screen readers.
    await tab.page.locator(".chart-canvas canvas").first().waitFor();
    expect(await tab.page.getByRole("img", { name: /pass\^k curve/ }).getAttribute("aria-label")).toContain(`pass^${grok3.passHatK.length}`);
    const tasks = await viewer.api<TaskPage>(`/api/experiments/${grok3.id}/tasks`);
    await tab.page.locator("table.tasks tbody tr").first().waitFor();
    expect(await tab.page.locator("table.tasks tbody tr").count()).toBe(tasks.tasks.length);
    const cells = tab.page.locator("table.tasks .cell");
    expect(await cells.count()).toBe(tasks.tasks.reduce((n, t) => n + t.trials.length, 0));
    for (const t of tasks.tasks) {
      for (const c of t.trials) {
        expect(await tab.page.getByRole("link", { name: `task ${t.taskId}, trial ${c.trial ?? c.index}: ${c.outcome === "excluded" ? "excluded from the metrics" : c.outcome === "partial" ? "partly passed" : c.outcome}`, exact: true }).count()).toBe(1);
      }
    }
  });

  it("filters the tasks: failing, flaky, and by text", async () => {
    keepScreenshotOnFailure("experiment-filters");
    const grok3 = byName("grok-3");
    const flaky = await viewer.api<TaskPage>(`/api/experiments/${grok3.id}/tasks?filter=flaky`);
    await tab.page.getByRole("button", { name: /^Flaky/ }).click();
    await tab.page.waitForURL(/filter=flaky/);
    await tab.page.waitForFunction((n) => document.querySelectorAll("table.tasks tbody tr").length === n, flaky.tasks.length);
    expect(await tab.page.locator("table.tasks tbody th").allTextContents()).toEqual(flaky.tasks.map((t) => t.taskId));
    expect(await tab.page.getByRole("button", { name: /^Flaky/ }).getAttribute("aria-pressed")).toBe("true");
    await tab.page.getByRole("button", { name: /^All/ }).click();
    const some = flaky.tasks[0] ?? (await viewer.api<TaskPage>(`/api/experiments/${grok3.id}/tasks`)).tasks[0];
    await tab.page.getByRole("searchbox").fill(some.taskId);
    await tab.page.waitForURL(new RegExp(`q=${some.taskId}`));
    await tab.page.locator("table.tasks tbody th", { hasText: some.taskId }).first().waitFor();
    await tab.page.getByRole("searchbox").fill("");
    await tab.page.waitForURL((url) => !url.search.includes("q="));
  });

  it("opens a failed trial's trace from its cell, by keyboard, and reads its conversation", async () => {
    keepScreenshotOnFailure("trace");
    const grok3 = byName("grok-3");
    const tasks = await viewer.api<TaskPage>(`/api/experiments/${grok3.id}/tasks`);
    const task = tasks.tasks.find((t) => t.trials.some((c) => c.outcome === "failed"))!;
    const failed = task.trials.find((c) => c.outcome === "failed")!;
    await tab.page.locator("table.tasks tbody tr").first().waitFor();
    const cell = tab.page.getByRole("link", { name: `task ${task.taskId}, trial ${failed.trial ?? failed.index}: failed`, exact: true });
    await cell.focus();
    await tab.page.keyboard.press("Enter");
    await tab.page.waitForURL(/\/ui\/traces\/experiment\//);
    expect(new URL(tab.page.url()).searchParams.get("span")).toBe(failed.spanId);
    await tab.page.getByRole("heading", { name: "Conversation" }).waitFor();
    expect(await tab.page.locator(".trial-result").textContent()).toContain("failed");
    expect(await tab.page.getByRole("article", { name: "Agent message" }).count()).toBeGreaterThan(0);
    expect(await tab.page.getByRole("article", { name: "User message" }).count()).toBeGreaterThan(0);
    // The waterfall shows the trace's spans, the selected trial marked.
    expect(await tab.page.locator(".wf-row.selected").textContent()).toContain(`trial ${failed.trial ?? failed.index}`);
    // A turn of the conversation is a deep link to its span.
    await tab.page.locator("ol.conversation a", { hasText: "span" }).nth(1).click();
    await tab.page.waitForURL((url) => url.searchParams.get("span") !== failed.spanId);
    const deepLink = tab.page.url();
    await tab.page.reload();
    await tab.page.locator(".message.selected").waitFor();
    expect(tab.page.url()).toBe(deepLink);
  });

  it("compares the two runs: a verdict, the curves overlaid, and the heatmap sorted by change", async () => {
    keepScreenshotOnFailure("compare");
    await tab.page.goto(`${viewer.origin}/ui/`);
    await tab.page.getByRole("checkbox", { name: "Select grok-3-mini to compare" }).check();
    await tab.page.getByRole("checkbox", { name: "Select grok-3 to compare" }).check();
    await tab.page.getByLabel("Baseline").selectOption({ label: "grok-3-mini" });
    await tab.page.getByRole("link", { name: "Compare 2 experiments" }).click();
    await tab.page.waitForURL(/\/ui\/compare\?/);
    const baseline = byName("grok-3-mini");
    const candidate = byName("grok-3");
    const url = new URL(tab.page.url());
    expect([url.searchParams.get("baseline"), url.searchParams.getAll("candidate")]).toEqual([baseline.id, [candidate.id]]);
    const comparison = await viewer.api<Comparison>(`/api/compare?baseline=${baseline.id}&candidate=${candidate.id}`);
    const c = comparison.comparisons[0];
    const verdict = tab.page.locator("section.verdict");
    await verdict.waitFor();
    expect(await verdict.locator(".verdict-word").textContent()).toBe(c.verdict);
    expect(await verdict.textContent()).toContain(`On these ${c.sharedTasks} shared tasks`);
    await tab.page.locator(".chart-canvas canvas").first().waitFor();
    expect(await tab.page.locator(".legend-item").allTextContents()).toEqual(expect.arrayContaining(["grok-3-mini", "grok-3"]));
    const rows = tab.page.locator("table.heatmap-table tbody th");
    expect(await rows.evaluateAll((ths) => ths.map((th) => th.firstChild?.textContent))).toEqual(c.rows.map((r) => r.taskId));
    expect(await tab.page.locator("table.heatmap-table a.cell").count()).toBeGreaterThan(0);
    // Differences only: the tasks whose outcome did not change leave.
    await tab.page.getByRole("checkbox", { name: "Differences only" }).check();
    await tab.page.waitForURL(/differences=1/);
    const changed = (await viewer.api<Comparison>(`/api/compare?baseline=${baseline.id}&candidate=${candidate.id}&differencesOnly=true`)).comparisons[0].rows;
    await tab.page.waitForFunction((n) => document.querySelectorAll("table.heatmap-table tbody tr").length === n || (n === 0 && !!document.querySelector(".heatmap .empty")), changed.length);
    expect(changed.every((r) => r.status !== "same")).toBe(true);
  });

  it("lists the agent's runs and reads one as model calls, tool calls, the submitted SQL, the result table and the score", async () => {
    keepScreenshotOnFailure("agent-run");
    await tab.page.getByRole("link", { name: "Agent runs" }).click();
    await tab.page.waitForURL(/\/ui\/logs$/);
    const row = tab.page.locator("table.runs tbody tr").first();
    expect(await row.textContent()).toContain("passed");
    await row.getByRole("link").click();
    await tab.page.waitForURL(/\/ui\/traces\/project_logs\//);
    await tab.page.getByRole("heading", { name: "Submitted SQL" }).waitFor();
    expect(await tab.page.locator(".agent-run").textContent()).toContain(AGENT_TASK.question);
    expect((await tab.page.locator("pre.sql").textContent())?.trim()).toBe(AGENT_TASK.gold_sql.trim());
    expect(await tab.page.locator("table.result-table thead th").allTextContents()).toEqual(agentAnswer.columns);
    expect(await tab.page.locator("table.result-table tbody tr").count()).toBe(agentAnswer.rows.length);
    expect(await tab.page.locator("table.result-table tbody tr").first().locator("td").allTextContents()).toEqual(agentAnswer.rows[0].map(String));
    expect(await tab.page.locator("ul.scores").textContent()).toBe("sql_correctness: 1");
    expect(await tab.page.getByRole("article", { name: "Model call" }).count()).toBe(2);
    expect(await tab.page.getByRole("article", { name: /^Tool / }).count()).toBeGreaterThan(0);
  });

  it("made no request outside the service's origin and logged no console error", () => {
    expect(tab.foreign).toEqual([]);
    expect(tab.errors).toEqual([]);
  });
});
