// Attacks on what runs a sandbox rather than on its walls: the supervisor, the file tools, the service's own
// code and data, the disk, the host's paths, what a killed service leaves behind. The same attacks in every
// mode; as root too (CI runs as root).
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../src/errors.js";
import type { Sandbox, SandboxFactory } from "../../src/sandbox/types.js";
import { factoryFor, hashFile, hostProcessesMentioning, makeGoldDb, tempDir, TEST_MODES } from "./fixtures.js";

const here = dirname(fileURLToPath(import.meta.url));
const project = join(here, "..", "..");
const QUOTA = 8 * 1024 * 1024;

/** Lists every process the command can see, and whether it could trace it or open its memory for writing. */
const PROCESS_SURVEY = String.raw`python3 - <<'PY'
import os, ctypes, json
libc = ctypes.CDLL(None, use_errno=True)
me = os.getpid()
found = []
for p in os.listdir('/proc'):
    if not p.isdigit() or int(p) == me: continue
    pid = int(p)
    try: cmd = open('/proc/%d/cmdline' % pid, 'rb').read().replace(b'\0', b' ').decode('utf8', 'replace')
    except Exception: cmd = ''
    traced = libc.ptrace(0x4206, pid, 0, 0) == 0  # PTRACE_SEIZE: does not stop it; detached when this exits
    try:
        open('/proc/%d/mem' % pid, 'wb').close(); mem = True
    except Exception: mem = False
    found.append({'pid': pid, 'cmd': cmd[:300], 'traced': traced, 'mem': mem})
print(json.dumps(found))
PY`;

function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe.each(TEST_MODES)("the %s sandbox's own machinery under attack", (mode) => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let base: Awaited<ReturnType<typeof tempDir>>;
  let host: Awaited<ReturnType<typeof tempDir>>;
  let gold: string;
  let factory: SandboxFactory;
  let sandbox: Sandbox;

  beforeAll(async () => {
    dir = await tempDir("sema4-escrun-db-");
    base = await tempDir("sema4-escrun-runs-");
    host = await tempDir("sema4-escrun-host-");
    writeFileSync(join(host.path, "secret.txt"), "HOST-SECRET");
    gold = makeGoldDb(dir.path);
    factory = await factoryFor(mode, { baseDir: base.path, limits: { maxFileBytes: QUOTA, workspaceBytes: QUOTA } });
    sandbox = await factory.create({ dbPath: gold });
  });

  afterAll(async () => {
    await sandbox?.close();
    await factory?.close();
    for (const d of [base, host, dir]) await d?.remove();
  });

  it("cannot see, trace or signal its supervisor (which could forge its replies)", async () => {
    await sandbox.writeFile("kept.txt", "kept");
    const survey = await sandbox.exec(PROCESS_SURVEY);
    if (mode === "bwrap") {
      expect(survey.exitCode, survey.stderr).toBe(0);
      const seen = JSON.parse(survey.stdout) as Array<{ cmd: string; traced: boolean; mem: boolean }>;
      // What is visible is the command's own sandbox: its PID 1 and the shell running the survey.
      expect(seen.length).toBeLessThanOrEqual(3);
      for (const p of seen) expect(p.cmd).not.toContain(sandbox.id);
      for (const p of seen) expect(p.cmd).not.toMatch(/node|supervis/);
    }
    const kill = await sandbox.exec("kill -9 $PPID; kill -9 -1; kill -STOP -1; sleep 0.2; echo after");
    expect(kill.stderr).not.toContain("restart");
    // The supervisor lived through it all: the workspace it holds is still there.
    expect((await sandbox.exec("cat kept.txt")).stdout).toBe("kept");
  });

  it("runs no file call while a command's processes live, however they swap links and folders", async () => {
    const target = host.path;
    const rounds = mode === "bwrap" ? 1000 : 20;
    const racing = sandbox.exec(
      // Background loops in bubblewrap (killed with their command); the virtual shell runs them one by one.
      `(for i in $(seq 1 ${rounds}); do rm -rf d; ln -s ${target} d 2>/dev/null; rm -f d; mkdir d; done) &
       (for i in $(seq 1 ${rounds}); do mkdir -p e; rmdir e; ln -sfn ${target} e 2>/dev/null; rm -f e; done) &
       sleep 3; echo racing-over`,
      { timeoutMs: 20_000 },
    );
    const calls: Array<Promise<{ value?: unknown; error?: unknown }>> = [];
    for (let i = 0; i < 50; i++) {
      calls.push(settle(sandbox.writeFile(`d/pwned-${i}.txt`, "pwned")));
      calls.push(settle(sandbox.writeFile(`e/pwned-${i}.txt`, "pwned")));
      calls.push(settle(sandbox.readFile("d/secret.txt")));
      calls.push(settle(sandbox.listDir("e")));
    }
    const outcomes = await Promise.all(calls);
    expect((await racing).stdout).toContain("racing-over");
    for (const o of outcomes) {
      if (o.error !== undefined) expect(isAppError(o.error), String(o.error)).toBe(true);
      expect(JSON.stringify(o.value ?? "")).not.toContain("HOST-SECRET");
      expect(JSON.stringify(o.value ?? "")).not.toContain("secret.txt");
    }
    expect(readdirSync(host.path)).toEqual(["secret.txt"]);
    if (mode === "bwrap") {
      // The racers died with their command: only this command's own processes are left to see.
      const left = await sandbox.exec("ls /proc | grep -c '^[0-9]'");
      expect(Number(left.stdout)).toBeLessThanOrEqual(4);
    }
  });

  it("cannot write to the service's code, its modules or its data", async () => {
    const watched = [join(project, "src", "sandbox", "sql", "queryWorker.ts"), join(project, "src", "sandbox", "shell", "supervisor.cjs"), gold];
    const before = watched.map(hashFile);
    const places = [join(project, "dist"), join(project, "src", "sandbox"), join(project, "node_modules"), dir.path, base.path];
    for (const place of places) {
      await sandbox.exec(`echo pwned > ${place}/pwned.txt; cp /bin/sh ${place}/pwned-sh; ln -s /bin/sh ${place}/pwned-ln`);
      // Refused, or (a checkout under /work) written inside the workspace's own /work/...: never on the host.
      const written = await settle(sandbox.writeFile(`${place}/pwned.txt`, "pwned"));
      if (written.error !== undefined) expect(isAppError(written.error)).toBe(true);
      for (const name of ["pwned.txt", "pwned-sh", "pwned-ln"]) expect(existsSync(join(place, name)), join(place, name)).toBe(false);
    }
    expect(watched.map(hashFile)).toEqual(before);
  });

  it("cannot fill the disk: its workspace, /tmp included, stops at its quota", async () => {
    // 320 KB a file, three a command (the virtual shell caps what one command writes at about 1 MB).
    const chunk = "x=0123456789; for i in $(seq 1 15); do x=$x$x; done";
    let stopped: Awaited<ReturnType<Sandbox["exec"]>> | undefined;
    for (let i = 0; i < 40 && !stopped; i++) {
      const r = await sandbox.exec(`${chunk}; echo $x > f${i}a && echo $x > /tmp/t${i} && echo $x > f${i}b`);
      if (r.exitCode !== 0) stopped = r;
    }
    expect(stopped?.stderr).toMatch(/space|ENOSPC/i);
    const used = mode === "bwrap" ? Number((await sandbox.exec("du -sbc /work /tmp | tail -1 | cut -f1")).stdout) : diskUse(base.path);
    expect(used).toBeLessThanOrEqual(QUOTA);
    expect(used).toBeGreaterThan(QUOTA / 2);
    const full = await settle(sandbox.writeFile("more.txt", "y".repeat(512 * 1024)));
    expect(full.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", message: expect.stringContaining("full") });
    await sandbox.exec("rm -f f* /tmp/t*");
    await sandbox.writeFile("more.txt", "y".repeat(512 * 1024));
    expect((await sandbox.exec("wc -c < more.txt")).stdout.trim()).toBe(String(512 * 1024));
    await sandbox.exec("rm -f more.txt");
  });

  it("shows no path of the host: not in /proc, not in SQLite's database list", async () => {
    const r = await sandbox.exec(
      `cat /proc/1/cmdline /proc/self/cmdline /proc/[0-9]*/environ 2>/dev/null; echo
       sqlite3 ${sandbox.dbPath} "SELECT file FROM pragma_database_list"`,
    );
    expect(r.stdout).toContain(`${sandbox.dbPath}\n`);
    for (const hostPath of [dir.path, base.path, project]) expect(r.stdout + r.stderr).not.toContain(hostPath);
    const listed = await factory.runQuery(gold, "SELECT file FROM pragma_database_list");
    expect(listed.rows).toEqual([["/data/gold.db"]]);
  });
});

describe.each(TEST_MODES)("the %s sandbox's resources and leftovers", (mode) => {
  it("gives all runs together no more disk than allowed", async () => {
    const dir = await tempDir("sema4-escrun-total-");
    const factory = await factoryFor(mode, { baseDir: dir.path, limits: { workspaceBytes: QUOTA, totalWorkspaceBytes: 2 * QUOTA } });
    const gold = makeGoldDb(dir.path);
    try {
      const first = await factory.create({ dbPath: gold });
      const second = await factory.create({ dbPath: gold });
      await expect(factory.create({ dbPath: gold })).rejects.toMatchObject({ code: "BUSY", message: expect.stringContaining("SANDBOX_TOTAL_WORKSPACE_BYTES") });
      await first.close();
      const third = await factory.create({ dbPath: gold });
      expect((await third.exec("echo ok")).stdout).toBe("ok\n");
      await Promise.all([second.close(), third.close()]);
    } finally {
      await factory.close();
      await dir.remove();
    }
  });

  it("runs with a database in a private (0700) directory", async () => {
    const dir = await tempDir("sema4-escrun-private-");
    const data = join(dir.path, "data");
    mkdirSync(data);
    const gold = makeGoldDb(data);
    chmodSync(data, 0o700);
    chmodSync(gold, 0o600);
    try {
      const factory = await factoryFor(mode, { baseDir: dir.path, probeDbPath: gold });
      const sandbox = await factory.create({ dbPath: gold });
      const r = await sandbox.exec(`sqlite3 ${sandbox.dbPath} 'SELECT name FROM t WHERE id = 2'`);
      expect(r, r.stderr).toMatchObject({ stdout: "bob\n", exitCode: 0 });
      expect((await sandbox.exec(`sqlite3 ${sandbox.dbPath} 'DELETE FROM t'`)).exitCode).not.toBe(0);
      await sandbox.close();
      await factory.close();
      // Nothing of the staging is left, and the original was never opened up.
      expect(readdirSync(dir.path).filter((n) => n.startsWith("sema4-"))).toEqual([]);
      expect(readFileSync(gold).length).toBeGreaterThan(0);
    } finally {
      await dir.remove();
    }
  });

  // A child service starts (tsx, the probe) and so does another factory: slow on a busy machine.
  it("sweeps at start what a killed service left, and nothing of a live one", { timeout: 120_000 }, async () => {
    const base = await tempDir("sema4-escrun-sweep-");
    const gold = makeGoldDb(base.path);
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    // A service that made a run and wrote to it, then was killed outright (no shutdown ran).
    const holder = spawn(process.execPath, ["--import", tsx, join(here, "secretHolder.ts"), mode, gold, base.path, JSON.stringify(["echo x > left.txt"])], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      stdio: ["pipe", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on("data", () => resolve());
      holder.on("exit", (code) => reject(new Error(`the holder exited (${code}) before its run`)));
    });
    const leftByHolder = readdirSync(base.path).filter((n) => n.startsWith(`sema4-run-${holder.pid}-`) || n.startsWith(`sema4-db-${holder.pid}-`));
    holder.kill("SIGKILL");
    await new Promise((resolve) => holder.on("exit", resolve));
    const live = join(base.path, `sema4-run-${process.ppid}-live`);
    mkdirSync(live);
    try {
      // The virtual shell keeps its workspace on disk; bubblewrap, as root, its staged database.
      if (mode === "virtual" || process.getuid?.() === 0) expect(leftByHolder.length).toBeGreaterThan(0);
      await expect.poll(() => hostProcessesMentioning(`sema4-sandbox-${holder.pid}-`).length, { timeout: 5_000 }).toBe(0);
      const factory = await factoryFor(mode, { baseDir: base.path });
      await factory.close();
      const left = readdirSync(base.path).filter((n) => n.startsWith("sema4-"));
      expect(left).toEqual([`sema4-run-${process.ppid}-live`]);
    } finally {
      await base.remove();
    }
  });
});

function diskUse(baseDir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) total += readFileSync(path).length;
    }
  };
  for (const run of readdirSync(baseDir).filter((n) => n.startsWith("sema4-run-"))) walk(join(baseDir, run));
  return total;
}
