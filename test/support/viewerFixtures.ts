// Stores for the viewer's tests and benchmarks (`npm run bench:ui` reuses them), written by the real ingest:
// tau2 runs with chosen outcomes, and a large store made of them — 1,000 experiments, two 114-task × 20-trial runs,
// and a task whose trace has over 1,000 spans.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { testConfig } from "../../src/config.js";
import { ingestFiles, type IngestReport } from "../../src/ingest/ingestJob.js";
import { ingestLimits } from "../../src/ingest/read/ingestLimits.js";
import { LocalRecorder } from "../../src/recorder/local.js";
import { LocalStore } from "../../src/recorder/localStore.js";
import { conversation, tau2Results, trials, writeJson } from "./ingestFixtures.js";

interface RunSpec {
  model: string;
  tasks: number;
  trials: number;
  /** The reward of one trial of one task. */
  reward: (task: number, trial: number) => number;
  /** Messages of each simulation of the first task (8 by default): 56 gives its row a trace of over 1,000 spans. */
  firstTaskMessages?: number;
  domain?: string;
}

const taskId = (i: number) => `task-${String(i).padStart(3, "0")}`;

/** One tau2 results file of that shape, ingested into the local store of `dataDir`. */
async function ingestRun(dataDir: string, spec: RunSpec, project = "bench"): Promise<IngestReport["experiments"][number]> {
  const dir = join(dataDir, "fixture-files");
  mkdirSync(dir, { recursive: true });
  const ids = Array.from({ length: spec.tasks }, (_, i) => taskId(i));
  const table = Object.fromEntries(ids.map((id, i) => [id, Array.from({ length: spec.trials }, (_, t) => spec.reward(i, t))]));
  const results = tau2Results({ model: spec.model, domain: spec.domain, tasks: ids, sims: trials(table) });
  if (spec.firstTaskMessages) {
    const base = conversation("long");
    const messages = Array.from({ length: spec.firstTaskMessages }, (_, i) => base[i % base.length]);
    for (const sim of results.simulations as Record<string, unknown>[]) if (sim.task_id === ids[0]) sim.messages = messages;
  }
  const file = writeJson(dir, `${spec.model}-${randomUUID()}.json`, results);
  const store = new LocalStore(dataDir);
  try {
    const report = await ingestFiles([file], {
      recorder: new LocalRecorder(store),
      project,
      spoolDir: join(dataDir, "spool"),
      limits: ingestLimits(testConfig()),
    }, { experiments: [spec.model] });
    return report.experiments[0];
  } finally {
    store.close();
  }
}

/**
 * Copies of an ingested experiment (its row and all its spans) under new ids and names, created one second apart
 * going back from the source: what a store that has seen many ingests holds, without ingesting each.
 */
function cloneExperiment(dataDir: string, sourceId: string, copies: number, prefix: string): string[] {
  const store = new LocalStore(dataDir);
  try {
    const db = store.db;
    const ids: string[] = [];
    db.transaction(() => {
      const source = db.prepare(`SELECT created FROM experiments WHERE id = ?`).get(sourceId) as { created: string };
      for (let i = 0; i < copies; i++) {
        const id = randomUUID();
        const created = new Date(Date.parse(source.created) - (i + 1) * 1000).toISOString();
        db.prepare(
          `INSERT INTO experiments (id, project, name, description, metadata, dataset_id, created)
           SELECT ?, project, ? , description, metadata, dataset_id, ? FROM experiments WHERE id = ?`,
        ).run(id, `${prefix}-${i}`, created, sourceId);
        db.prepare(
          `INSERT INTO spans (object_type, object_id, id, span_id, root_span_id, parent_span_id, name, type, input, output,
             expected, error, tags, scores, metadata, metrics, start, "end", created)
           SELECT object_type, ?, id, span_id, root_span_id, parent_span_id, name, type, input, output, expected, error,
             tags, scores, metadata, metrics, start, "end", created
           FROM spans WHERE object_type = 'experiment' AND object_id = ?`,
        ).run(id, sourceId);
        ids.push(id);
      }
    })();
    return ids;
  } finally {
    store.close();
  }
}

export interface LargeStore {
  dataDir: string;
  /** The two 114 × 20 runs. */
  baseline: string;
  candidate: string;
  /** The baseline's first task: its row's trace has over 1,000 spans. */
  longTrace: { experimentId: string; rootSpanId: string };
  experiments: number;
}

/** 1,000 experiments: the two 114-task × 20-trial runs, and copies of eight small runs. */
export async function buildLargeStore(dataDir: string, options: { experiments?: number } = {}): Promise<LargeStore> {
  const total = options.experiments ?? 1000;
  const small = [];
  for (let i = 0; i < 8; i++) {
    small.push(await ingestRun(dataDir, { model: `small-${i}`, tasks: 6, trials: 3, reward: (t, r) => ((t + r + i) % 3 === 0 ? 0 : 1), domain: ["airline", "retail"][i % 2] }, `project-${i % 3}`));
  }
  const perSource = Math.ceil((total - 2 - small.length) / small.length);
  let left = total - 2 - small.length;
  for (const [i, e] of small.entries()) {
    const n = Math.min(perSource, left);
    cloneExperiment(dataDir, e.id, n, `copy-${i}`);
    left -= n;
  }
  const baseline = await ingestRun(dataDir, {
    model: "baseline-model",
    tasks: 114,
    trials: 20,
    reward: (t, r) => ((t * 7 + r * 3) % 10 < 7 ? 1 : 0),
    firstTaskMessages: 56,
  });
  const candidate = await ingestRun(dataDir, { model: "candidate-model", tasks: 114, trials: 20, reward: (t, r) => ((t * 5 + r * 3) % 10 < 8 ? 1 : 0) });
  const store = new LocalStore(dataDir);
  try {
    const row = store.db
      .prepare(`SELECT span_id FROM spans WHERE object_type = 'experiment' AND object_id = ? AND parent_span_id IS NULL AND name = ?`)
      .get(baseline.id, taskId(0)) as { span_id: string };
    return { dataDir, baseline: baseline.id, candidate: candidate.id, longTrace: { experimentId: baseline.id, rootSpanId: row.span_id }, experiments: total };
  } finally {
    store.close();
  }
}
