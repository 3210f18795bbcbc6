// The real result files of ../shared/data/tau2 (third-party, byte-identical copies, not in the repository; their
// sources at pinned commits are listed in docs/tau2-results.md §7), checked against the reference values its
// README.txt gives (recomputed there with tau2's own algorithm).
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestFiles, type IngestReport } from "../../src/ingest/ingestJob.js";
import { LocalHarness } from "./localStore.js";

const dataDir = resolve(import.meta.dirname, "../../../shared/data/tau2");

interface Reference {
  file: string;
  v1: boolean;
  tasksListed: number;
  simulations: number;
  distinctTasks: number;
  avgReward: number;
  passHatK: Record<string, number>;
  avgAgentCost: number | null;
  terminations: Record<string, number>;
}

/** The README's blocks for result files (task files have no metrics). */
function references(): Reference[] {
  const text = readFileSync(join(dataDir, "README.txt"), "utf8");
  return text
    .split(/^=+$/m)
    .map((block) => {
      const field = (name: string) => new RegExp(`^\\s*${name}\\s*:\\s*(.*)$`, "m").exec(block)?.[1];
      const format = field("format") ?? "";
      const file = /^FILE: (.+)$/m.exec(block)?.[1];
      const counts = field("counts");
      const metrics = field("metrics");
      if (!file || !counts || !metrics || !/tau2 Results|tau-bench v1/.test(format)) return undefined;
      const num = (re: RegExp, s: string) => Number(re.exec(s)?.[1]);
      const pyDict = (s: string) => JSON.parse(s.replace(/'/g, '"')) as Record<string, number>;
      const cost = /avg_agent_cost=(\S+)/.exec(metrics)![1];
      return {
        file,
        v1: format.startsWith("tau-bench v1"),
        tasksListed: num(/tasks\[\]=(\d+)/, counts),
        simulations: num(/simulations\[\]=(\d+)/, counts),
        distinctTasks: num(/distinct sim task_ids=(\d+)/, counts),
        avgReward: num(/avg_reward=([\d.]+)/, metrics),
        passHatK: pyDict(/pass\^k=(\{[^}]*\})/.exec(metrics)![1]),
        avgAgentCost: cost === "None" ? null : Number(cost),
        terminations: pyDict(/(\{[^}]*\})/.exec(field("termination")!)![1]),
      } satisfies Reference;
    })
    .filter((r): r is Reference => r !== undefined);
}

describe.skipIf(!existsSync(dataDir))("the real files in ../shared/data/tau2", () => {
  const h = new LocalHarness();
  const refs = existsSync(dataDir) ? references() : [];
  let report: IngestReport;

  beforeAll(async () => {
    report = await ingestFiles(
      refs.map((r) => join(dataDir, r.file)),
      h.settings,
    );
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });

  it("finds the reference values of every result file", () => {
    expect(refs.length).toBe(14);
  });

  it.each(refs.map((r) => [r.file, r] as const))("%s: counts and tau2's metrics", (_name, ref) => {
    const e = report.experiments.find((x) => x.file === join(dataDir, ref.file))!;
    expect(e.simulations).toBe(ref.simulations);
    expect(e.tasks).toBe(ref.distinctTasks);
    expect(e.metrics.avg_reward!).toBeCloseTo(ref.avgReward, 6);
    expect(Object.keys(e.metrics.pass_hat_k)).toEqual(Object.keys(ref.passHatK));
    for (const [k, v] of Object.entries(ref.passHatK)) expect(e.metrics.pass_hat_k[k]).toBeCloseTo(v, 6);
    if (ref.avgAgentCost === null) expect(e.metrics.cost.avg_agent_cost).toBeNull();
    else expect(e.metrics.cost.avg_agent_cost!).toBeCloseTo(ref.avgAgentCost, 6);
    const terminations = Object.fromEntries(Object.entries(ref.terminations).map(([k, v]) => [k === "?" ? "unknown" : k, v]));
    expect(e.metrics.terminations).toEqual(terminations);
    expect(e.metrics.rule).toBe(ref.v1 ? "tau-bench-v1" : "tau2");

    // What the store averages over the experiment's rows is the same pass^k.
    const summary = h.store.listExperiments().find((x) => x.name === e.name)!;
    expect(summary.rowCount).toBe(ref.distinctTasks);
    for (const [k, v] of Object.entries(ref.passHatK)) expect(summary.scores[`pass^${k}`].mean).toBeCloseTo(v, 6);
    // Every task row links to a dataset row of the same id.
    const datasetIds = new Set(h.datasetRows(e.dataset).map((r) => r.id));
    expect(h.roots(e.name).filter((r) => !datasetIds.has(r.name))).toEqual([]);
  });

  it("keeps the 114 base telecom tasks out of it and the pass^k of the v1 regression fixture (tau-bench #57)", () => {
    const v1 = report.experiments.find((e) => e.format === "tau-bench-v1")!;
    expect(Object.values(v1.metrics.pass_hat_k).map((v) => v.toFixed(3))).toEqual(["0.420", "0.273", "0.220", "0.200"]);
    expect(v1.domain).toBe("airline");
  });
});
