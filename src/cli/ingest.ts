// npm run ingest -- FILE_OR_DIR... [--experiment NAME]... [--dataset NAME] [--project NAME] [--compare]
// The same ingest as POST /admin/ingest, without HTTP: progress on stderr, the results table on stdout.
import { parseArgs } from "node:util";
import { ConfigError, loadProcessConfig } from "../config.js";
import { isAppError, messageOf } from "../errors.js";
import { ingestLimits } from "../ingest/read/ingestLimits.js";
import { ingestFiles, type IngestProgress } from "../ingest/ingestJob.js";
import { spoolDirOf, sweepSpool } from "../ingest/read/spoolFiles.js";
import { createCliLogger } from "../logger.js";
import { Services } from "../services.js";
import { progressLine, reportTable } from "./ingestTable.js";

const USAGE = `Usage: npm run ingest -- FILE_OR_DIR... [--experiment NAME]... [--dataset NAME] [--project NAME] [--compare]

  FILE_OR_DIR   tau2 results (.json or .json.gz), a tau2 directory run (results.json + simulations/),
                a tau-bench v1 results list, or a directory of such files
  --experiment  the experiment name of each file, in order (default: the agent model and reasoning effort)
  --dataset     the dataset name (default: "Tau Bench <Domain> Tasks")
  --project     the project (default: BRAINTRUST_PROJECT)
  --compare     print the paired comparison of each experiment with the first

Writes to Braintrust when BRAINTRUST_API_KEY is set, else to the local store under DATA_DIR.`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        experiment: { type: "string", multiple: true },
        dataset: { type: "string" },
        project: { type: "string" },
        compare: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`${messageOf(e)}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help || args.positionals.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return args.values.help ? 0 : 2;
  }
  const config = loadProcessConfig();
  // Logs go to stderr: stdout is the table.
  const logger = createCliLogger(config);
  const services = new Services(config, { logger });
  const recorder = await services.recorder();
  const spoolDir = spoolDirOf(config.DATA_DIR);
  await sweepSpool(spoolDir);
  const progress = new ProgressLine();
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  try {
    const report = await ingestFiles(
      args.positionals,
      {
        recorder,
        project: config.BRAINTRUST_PROJECT,
        spoolDir,
        limits: ingestLimits(config),
      },
      {
        experiments: args.values.experiment,
        dataset: args.values.dataset,
        project: args.values.project,
        signal: controller.signal,
        onProgress: (p) => progress.show(p),
      },
    );
    progress.done();
    process.stdout.write(`${reportTable(report, { compare: args.values.compare, service: { host: config.HOST, port: config.PORT } })}\n`);
    return 0;
  } catch (e) {
    progress.done();
    process.stderr.write(`ingest failed: ${isAppError(e) ? e.message : messageOf(e)}\n`);
    return 1;
  } finally {
    await services.close();
  }
}

/** How often a line is printed while one file or experiment goes on, where lines cannot be redrawn. */
const PLAIN_EVERY_MS = 3_000;

/**
 * One line redrawn in place on a terminal. Elsewhere (a pipe, CI logs) a line for each file and experiment as it
 * starts and as it ends, and one every few seconds while it goes on, so that a long ingest never looks stalled.
 */
class ProgressLine {
  private readonly tty = process.stderr.isTTY === true;
  private last = 0;
  private subject = "";
  private line = "";
  private shown = false;

  show(p: IngestProgress): void {
    const line = progressLine(p);
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${line}`);
      this.shown = true;
      return;
    }
    // A directory run's simulation files are one subject: a line for the run, not one for each of its files.
    const perFile = p.phase === "validate" && !/\/simulations\/[^/]+$/.test(p.file);
    const subject = p.phase === "validate" ? `${p.phase} ${p.file.replace(/\/simulations\/[^/]+$/, "/simulations")}` : `${p.phase} ${p.experiment}`;
    const finished =
      p.phase === "validate" ? perFile && p.total_bytes !== null && p.bytes >= p.total_bytes : p.simulations >= p.total_simulations;
    if (line === this.line) return;
    if (subject !== this.subject || finished || Date.now() - this.last >= PLAIN_EVERY_MS) {
      this.subject = subject;
      this.line = line;
      this.last = Date.now();
      process.stderr.write(`${line}\n`);
    }
  }

  done(): void {
    if (this.shown) process.stderr.write("\n");
    this.shown = false;
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(e instanceof ConfigError ? `${e.message}\n` : `fatal: ${e?.stack ?? e}\n`);
    process.exit(e instanceof ConfigError ? 2 : 1);
  },
);
