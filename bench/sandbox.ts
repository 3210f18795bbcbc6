// What a sandboxed bash_exec costs against a bare child_process spawn of the same command, per mode.
// Target: ≤ 3× a bare spawn. Also shown: a run's start-up cost, and bubblewrap per command (the design not
// taken) to show why one sandbox is kept alive across a run's calls.
//   npm run bench:sandbox            (REPS=200 by default)
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { testConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { createSandboxFactory } from "../src/sandbox/index.js";
import type { SandboxFactory, SandboxMode } from "../src/sandbox/types.js";
import { writeResultsSection } from "./results.js";

const REPS = Number(process.env.REPS ?? 200);
const TARGET = 3;
const logger = createLogger({ LOG_LEVEL: "silent" });

const dir = mkdtempSync(join(tmpdir(), "sema4-bench-sandbox-"));
chmodSync(dir, 0o755);
const gold = join(dir, "gold.db");
const db = new Database(gold);
db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);
         INSERT INTO t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) SELECT i, 'n' || i FROM n;`);
db.close();
chmodSync(gold, 0o644);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];

async function time(reps: number, once: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(10, reps); i++) await once();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await once();
    times.push(performance.now() - t);
  }
  return times;
}

function bare(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}`))));
  });
}

// bubblewrap started for every command: the namespaces are set up each time.
const bwrapPerCommand = (script: string) =>
  bare("bwrap", [
    "--unshare-all", "--die-with-parent", "--uid", "65534", "--gid", "65534",
    "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
    "--proc", "/proc", "--dev", "/dev", "--ro-bind", gold, "/data/gold.db", "--clearenv", "--", "/bin/bash", "-c", script,
  ]);

const commands = [
  { name: "`echo hi`", script: "echo hi" },
  { name: "`sqlite3 … 'SELECT count(*) FROM t'`", script: "sqlite3 DB 'SELECT count(*) FROM t'" },
];

interface Row {
  name: string;
  bare: number[];
  modes: Partial<Record<SandboxMode, number[]>>;
  perCommandBwrap?: number[];
}

async function main(): Promise<void> {
  const factories: SandboxFactory[] = [];
  const startup: Partial<Record<SandboxMode, number[]>> = {};
  for (const mode of ["bwrap", "virtual"] as const) {
    try {
      factories.push(await createSandboxFactory(testConfig({ SANDBOX_MODE: mode }), logger));
    } catch (e) {
      process.stderr.write(`${mode}: not available here (${(e as Error).message})\n`);
    }
  }
  const rows: Row[] = commands.map((c) => ({ name: c.name, bare: [], modes: {} }));
  for (const [i, command] of commands.entries()) {
    rows[i].bare = await time(REPS, () => bare("/bin/bash", ["-c", command.script.replace("DB", gold)]));
    if (factories.some((f) => f.mode === "bwrap")) {
      rows[i].perCommandBwrap = await time(Math.min(REPS, 50), () => bwrapPerCommand(command.script.replace("DB", "/data/gold.db")));
    }
  }
  for (const factory of factories) {
    startup[factory.mode] = await time(10, async () => {
      const sandbox = await factory.create({ dbPath: gold });
      await sandbox.exec("true");
      await sandbox.close();
    });
    const sandbox = await factory.create({ dbPath: gold });
    for (const [i, command] of commands.entries()) {
      const script = command.script.replace("DB", sandbox.dbPath);
      const check = await sandbox.exec(script);
      if (check.exitCode !== 0) throw new Error(`${factory.mode}: ${script} failed: ${check.stderr}`);
      rows[i].modes[factory.mode] = await time(REPS, () => sandbox.exec(script));
    }
    await sandbox.close();
    await factory.close();
  }

  const ms = (x: number) => `${x.toFixed(2)} ms`;
  const verdict = (ratio: number) => (ratio <= TARGET ? "met" : "**missed**");
  const lines = [
    `Run ${new Date().toISOString()}, node ${process.version}, ${REPS} calls per cell after 10 warm-up calls, medians (p95). ` +
      "One sandbox serves all of a run's calls; the bare spawn is `child_process.spawn('/bin/bash', ['-c', command])` from this process.",
    "",
    "| command | bare spawn | bwrap sandbox | bwrap / bare | virtual sandbox | virtual / bare | target | bwrap started per command |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const row of rows) {
    const b = median(row.bare);
    const cell = (xs: number[] | undefined) => (xs ? `${ms(median(xs))} (${ms(p95(xs))})` : "n/a");
    const ratio = (xs: number[] | undefined) => (xs ? `${(median(xs) / b).toFixed(2)} ${verdict(median(xs) / b)}` : "n/a");
    const perCommand = row.perCommandBwrap ? `${ms(median(row.perCommandBwrap))} (${(median(row.perCommandBwrap) / b).toFixed(2)}×)` : "n/a";
    lines.push(
      `| ${row.name} | ${cell(row.bare)} | ${cell(row.modes.bwrap)} | ${ratio(row.modes.bwrap)} | ${cell(row.modes.virtual)} | ${ratio(row.modes.virtual)} | ≤${TARGET}× | ${perCommand} |`,
    );
  }
  lines.push(
    "",
    "Start-up of a run (create + first command + close), paid once per agent run: " +
      Object.entries(startup)
        .map(([mode, xs]) => `${mode} ${ms(median(xs))}`)
        .join(", ") +
      ". The virtual shell's sqlite3 goes through the killable query runner (warm worker processes).",
  );
  writeResultsSection("sandbox", "Sandbox: cost of a bash_exec against a bare spawn", lines.join("\n"));
  process.stdout.write(`${lines.join("\n")}\n`);
}

main()
  .catch((e) => {
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
