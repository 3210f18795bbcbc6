// One measurement of bench:ingest in a fresh process, so that its peak RSS is its own:
//   floor FILE                   JSON.parse of the file's bytes, the way a non-streaming ingester reads it
//   local FILE DATA_DIR          our ingest into the local store
//   braintrust FILE DATA_DIR URL our ingest through the braintrust SDK into a (fake) Braintrust API
//   spans N DATA_DIR             N small spans (500 rows of N/500) written to the local store alone: its cost per span
// Prints one JSON line: wall milliseconds of the work (process start-up excluded), peak RSS, details.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config.js";
import { ingestLimits } from "../src/ingest/read/ingestLimits.js";
import { ingestFiles, type IngestProgress } from "../src/ingest/ingestJob.js";
import type { Recorder } from "../src/recorder/types.js";

const [mode, file, dataDir, url] = process.argv.slice(2);

async function measure(): Promise<Record<string, unknown>> {
  if (mode === "floor") {
    const start = performance.now();
    const text = readFileSync(file, "utf8");
    const read = performance.now();
    const parsed = JSON.parse(text) as { simulations: unknown[] };
    const end = performance.now();
    return { ms: end - start, readMs: read - start, parseMs: end - read, simulations: parsed.simulations.length };
  }
  const recorder = await openRecorder();
  if (mode === "spans") return writeSpans(recorder, Number(file));
  let writeStarted: number | undefined;
  const start = performance.now();
  const report = await ingestFiles(
    [file],
    { recorder, project: "bench", spoolDir: join(dataDir, "spool"), limits: ingestLimits(loadConfig({})) },
    {
      onProgress: (p: IngestProgress) => {
        if (p.phase === "write") writeStarted ??= performance.now();
      },
    },
  );
  await recorder.close();
  const end = performance.now();
  // Rows stored, counted (untimed, the store opens again) where there is a store (the Braintrust path sends the same).
  const spans = (recorder.reader?.db.prepare(`SELECT COUNT(*) AS n FROM spans`).get() as { n: number } | undefined)?.n;
  recorder.reader?.close();
  const e = report.experiments[0];
  return {
    ms: end - start,
    validateMs: (writeStarted ?? end) - start,
    writeMs: end - (writeStarted ?? end),
    simulations: e.simulations,
    tasks: e.tasks,
    ...(spans === undefined ? {} : { spans }),
    avgReward: e.metrics.avg_reward,
  };
}

async function writeSpans(recorder: Recorder, count: number): Promise<Record<string, unknown>> {
  const experiment = await recorder.experiment("bench", "spans", { bulk: true });
  const perRow = count / 500;
  const start = performance.now();
  for (let r = 0; r < 500; r++) {
    const root = experiment.startSpan({ name: `row ${r}`, type: "eval", event: { id: `r${r}`, input: { r } } });
    for (let i = 0; i < perRow; i++) {
      const event = { id: `r${r}.${i}`, input: [{ role: "user", content: "hi" }], output: { role: "assistant", content: "hello" } };
      root.startSpan({ name: "agent", type: "llm", startTime: 1, event }).end({ endTime: 2 });
    }
    root.end();
    if (r % 50 === 49) await experiment.flush();
  }
  await recorder.close();
  return { ms: performance.now() - start, spans: count };
}

/** Only the recorder measured is loaded: the braintrust SDK alone adds ~35 MB of RSS to a process. */
async function openRecorder(): Promise<Recorder> {
  if (mode === "local" || mode === "spans") {
    const [{ LocalRecorder }, { LocalStore }] = await Promise.all([
      import("../src/recorder/local.js"),
      import("../src/recorder/localStore.js"),
    ]);
    return new LocalRecorder(new LocalStore(dataDir));
  }
  const { BraintrustRecorder } = await import("../src/recorder/braintrust.js");
  return new BraintrustRecorder({ apiKey: "sk-test", appUrl: url, orgName: "test-org" });
}

const result = await measure();
process.stdout.write(`${JSON.stringify({ ...result, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
process.exit(0);
