// Escape attempts, the same in every sandbox mode: each must fail cleanly and leave the sandbox (and the
// service, this process) working.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../src/errors.js";
import type { Sandbox, SandboxFactory } from "../../src/sandbox/types.js";
import { factoryFor, hashFile, hostProcessesMentioning, makeGoldDb, onlyWorkspace, tempDir, TEST_MODES } from "./fixtures.js";

const here = dirname(fileURLToPath(import.meta.url));
const CAP = 16 * 1024;
const MAX_FILE = 8 * 1024 * 1024;

describe.each(TEST_MODES)("escaping the %s sandbox", (mode) => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let base: Awaited<ReturnType<typeof tempDir>>;
  let gold: string;
  let goldHash: string;
  let factory: SandboxFactory;
  let sandbox: Sandbox;
  const db = () => sandbox.dbPath;
  const alive = async () => expect((await sandbox.exec("echo alive")).stdout).toBe("alive\n");

  beforeAll(async () => {
    dir = await tempDir("sema4-escape-db-");
    base = await tempDir("sema4-escape-runs-");
    gold = makeGoldDb(dir.path);
    goldHash = hashFile(gold);
    factory = await factoryFor(mode, {
      baseDir: base.path,
      limits: { maxOutputBytes: CAP, maxFileBytes: MAX_FILE, maxMemoryBytes: 256 * 1024 * 1024 },
    });
    expect(factory.mode).toBe(mode);
    sandbox = await factory.create({ dbPath: gold });
  });

  afterAll(async () => {
    await sandbox?.close();
    await factory?.close();
    await base?.remove();
    await dir?.remove();
  });

  it("runs commands in its workspace against a read-only view of the database", async () => {
    const where = await sandbox.exec("pwd");
    expect(where).toMatchObject({ stdout: `${sandbox.workdir}\n`, exitCode: 0, truncated: false, timedOut: false });
    const count = await sandbox.exec(`sqlite3 ${db()} 'SELECT count(*) FROM t'`);
    expect(count).toMatchObject({ stdout: "3\n", exitCode: 0 });
  });

  it("does not reveal the service's environment, its own or through /proc", async () => {
    const canary = `canary-${Math.random().toString(36).slice(2)}-secret`;
    const attacks = [
      "env; printenv",
      "cat /proc/self/environ /proc/1/environ /proc/$PPID/environ",
      "for f in /proc/[0-9]*/environ; do cat $f; echo; done",
    ];
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const holder = spawn(process.execPath, ["--import", tsx, join(here, "secretHolder.ts"), mode, gold, base.path, JSON.stringify(attacks)], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", SEMA4_TEST_SECRET: canary },
      stdio: ["pipe", "pipe", "inherit"],
    });
    const holderAttack = `cat /proc/${holder.pid}/environ`;
    let out = "";
    const line = await new Promise<string>((resolve, reject) => {
      holder.stdout.on("data", (d) => {
        out += d;
        if (out.includes("\n")) resolve(out);
      });
      holder.on("exit", (code) => reject(new Error(`the secret holder exited (${code}) before answering: ${out}`)));
    });
    // The secret was really there to steal: the holder's own environ has it.
    expect(readFileSync(`/proc/${holder.pid}/environ`, "utf8")).toContain(canary);
    const direct = await sandbox.exec(holderAttack);
    holder.stdin.end();
    await new Promise((resolve) => holder.on("exit", resolve));
    const results = JSON.parse(line) as Array<{ stdout: string; stderr: string }>;
    expect(results).toHaveLength(attacks.length);
    for (const r of [...results, direct]) expect(r.stdout + r.stderr).not.toContain(canary);
    // And the sandbox's environment is the fixed one, not the holder's.
    expect(results[0].stdout).toContain("HOME=/work");
  });

  it("cannot write outside its workspace", async () => {
    const mark = `sbx-${Math.random().toString(36).slice(2)}`;
    const before = readdirSync(base.path).sort();
    const attempts = [
      `echo x > /etc/${mark}`,
      `echo x > /usr/${mark}`,
      `echo x > /${mark}`,
      `echo x > ../${mark}`,
      `echo x > ../../${mark}`,
      `echo x > /data/${mark}`,
      `mkdir /data/${mark}`,
      `cp ${db()} /usr/${mark}`,
    ];
    for (const command of attempts) {
      const r = await sandbox.exec(command);
      expect(r.exitCode, command).not.toBe(0);
    }
    for (const path of [`/etc/${mark}`, `/usr/${mark}`, `/${mark}`, join(dir.path, mark), join(base.path, mark)]) {
      expect(existsSync(path), path).toBe(false);
    }
    expect(readdirSync(base.path).sort()).toEqual(before);
    await alive();
  });

  it("keeps the file API inside the workspace, even through symlinks the shell made", async () => {
    await sandbox.exec("ln -s /etc/passwd pw; ln -s /etc etc-link; ln -s .. up; ln -s / root");
    const refusals: Array<[string, () => Promise<unknown>]> = [
      ["../x", () => sandbox.readFile("../x")],
      ["/etc/passwd", () => sandbox.readFile("/etc/passwd")],
      [db(), () => sandbox.readFile(db())],
      ["pw", () => sandbox.readFile("pw")],
      ["etc-link/passwd", () => sandbox.readFile("etc-link/passwd")],
      ["root/etc/hostname", () => sandbox.readFile("root/etc/hostname")],
      ["list ..", () => sandbox.listDir("..")],
      ["list up", () => sandbox.listDir("up")],
      ["write ../x", () => sandbox.writeFile("../x", "x")],
      ["write /tmp/x", () => sandbox.writeFile("/tmp/x", "x")],
    ];
    for (const [what, attempt] of refusals) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isAppError(error), what).toBe(true);
    }
    // The virtual shell refuses to make symlinks at all; where "up" exists, writing through it is refused too.
    await sandbox.writeFile("up/x", "x").catch(() => undefined);
    expect(existsSync(join(base.path, "x"))).toBe(false);
    // bubblewrap's workspace is a tmpfs of the run's own: nothing of it is on the host's disk.
    if (mode === "bwrap") expect(readdirSync(base.path).filter((n) => n.startsWith("sema4-run-"))).toEqual([]);
    else expect(existsSync(join(onlyWorkspace(base.path), "x"))).toBe(false);
    await sandbox.writeFile(`${sandbox.workdir}/notes/inside.txt`, "inside");
    expect(await sandbox.readFile("notes/inside.txt")).toBe("inside");
    expect((await sandbox.exec("cat notes/inside.txt")).stdout).toBe("inside");
  });

  it("cannot reach a port on the host's loopback", async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.end("HELLO-FROM-HOST\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const attempts = [
        `echo hi > /dev/tcp/127.0.0.1/${port}; cat < /dev/tcp/127.0.0.1/${port}`,
        `curl -s -m 2 http://127.0.0.1:${port}/`,
        `wget -q -T 2 -O - http://127.0.0.1:${port}/`,
        `python3 -c "import socket; print(socket.create_connection(('127.0.0.1', ${port}), 2).recv(100))"`,
      ];
      for (const command of attempts) {
        const r = await sandbox.exec(command, { timeoutMs: 5_000 });
        expect(r.stdout, command).not.toContain("HELLO-FROM-HOST");
      }
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("survives a fork bomb", async () => {
    const r = await sandbox.exec("bomb() { bomb | bomb & }; bomb; sleep 5", { timeoutMs: 1_500 });
    expect(r.exitCode).not.toBe(0);
    await alive();
    if (mode === "bwrap") {
      // Nothing of the bomb is left: pid 1 (bubblewrap), the supervisor, bash, ls and grep.
      const count = await sandbox.exec("ls /proc | grep -c '^[0-9]'");
      expect(Number(count.stdout)).toBeLessThanOrEqual(5);
    }
  });

  it("runs commands without privileges", async () => {
    if (mode === "bwrap") {
      expect((await sandbox.exec("id -u; id -g; hostname")).stdout).toBe("65534\n65534\nsandbox\n");
    } else {
      // No real process runs a command: there is nothing to be, and no /proc to look at.
      expect((await sandbox.exec("ls /proc")).exitCode).not.toBe(0);
    }
  });

  it("no process outlives its command", async () => {
    const started = await sandbox.exec("setsid sleep 1000 & (sleep 1001 &); echo started", { timeoutMs: 1_000 });
    if (mode === "bwrap") {
      expect(started.stdout).toBe("started\n");
      expect((await sandbox.exec("cat /proc/[0-9]*/comm | grep -c sleep")).stdout).toBe("0\n");
    } else {
      // The virtual shell has no background jobs: the sleep ran in the foreground until the deadline.
      expect(started.timedOut).toBe(true);
    }
    await alive();
  });

  it("cannot take more memory, or write a bigger file, than allowed", async () => {
    const doubling = await sandbox.exec("x=0123456789; for i in $(seq 1 30); do x=$x$x; done; echo ${#x}");
    expect(doubling.exitCode).not.toBe(0);
    expect(doubling.stdout).not.toContain("10737418240");
    if (mode === "bwrap") {
      const big = await sandbox.exec("head -c 20M /dev/zero > big.bin");
      expect(big.exitCode).not.toBe(0);
      expect((await sandbox.listDir(".")).find((e) => e.name === "big.bin")!.size).toBeLessThanOrEqual(MAX_FILE);
      await sandbox.exec("rm big.bin");
    }
    await alive();
  });

  it("cuts a command that prints without end at the output cap", async () => {
    const r = await sandbox.exec("while true; do echo 0123456789012345678901234567890123456789012345678901234567890123; done");
    expect(r.truncated).toBe(true);
    expect(r.exitCode).not.toBe(0);
    expect(Buffer.byteLength(r.stdout)).toBeLessThanOrEqual(CAP);
    await alive();
  });

  it("stops a command that runs forever at its deadline", async () => {
    const sleeper = await sandbox.exec("sleep 1000", { timeoutMs: 800 });
    expect(sleeper).toMatchObject({ timedOut: true });
    expect(sleeper.exitCode).not.toBe(0);
    const spinner = await sandbox.exec("while true; do :; done", { timeoutMs: 800 });
    expect(spinner.exitCode).not.toBe(0);
    await alive();
  });

  it("cannot modify the gold database", async () => {
    const writes = [
      `sqlite3 ${db()} 'DELETE FROM t'`,
      `sqlite3 ${db()} 'DROP TABLE t'`,
      `sqlite3 ${db()} "INSERT INTO t VALUES (9, 'mallory', 0)"`,
      `echo garbage > ${db()}`,
      `mv ${db()} stolen.db`,
      `chmod 666 ${db()}`,
    ];
    for (const command of writes) expect((await sandbox.exec(command)).exitCode, command).not.toBe(0);
    // just-bash's `rm -f` reports success on a read-only file it did not remove; what matters is the file.
    await sandbox.exec(`rm -f ${db()}`);
    expect(hashFile(gold)).toBe(goldHash);
    expect((await sandbox.exec(`ls ${db()}`)).exitCode).toBe(0);
    expect((await sandbox.exec(`sqlite3 ${db()} 'SELECT count(*) FROM t'`)).stdout).toBe("3\n");
  });

  it("stops an infinite recursive CTE and keeps answering queries", async () => {
    const cte = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
    const r = await sandbox.exec(`sqlite3 ${db()} '${cte}'`, { timeoutMs: 1_000 });
    expect(r.exitCode).not.toBe(0);
    expect(r.timedOut).toBe(true);
    expect((await sandbox.exec(`sqlite3 ${db()} 'SELECT name FROM t WHERE id = 2'`)).stdout).toBe("bob\n");
  });

  it("leaves no process and no workspace behind when closed", async () => {
    const other = await factory.create({ dbPath: gold });
    await other.exec("echo warm > f.txt");
    const workspace = readdirSync(base.path)
      .map((n) => join(base.path, n))
      .find((p) => p.includes("sema4-run-") && existsSync(join(p, "work", "f.txt")));
    if (mode === "bwrap") expect(workspace).toBeUndefined();
    else expect(workspace).toBeDefined();
    expect(hostProcessesMentioning(other.id).length).toBeGreaterThan(0);
    await other.close();
    if (workspace) expect(existsSync(workspace)).toBe(false);
    await expect.poll(() => hostProcessesMentioning(other.id).length, { timeout: 5_000 }).toBe(0);
    await expect(other.exec("echo too late")).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
