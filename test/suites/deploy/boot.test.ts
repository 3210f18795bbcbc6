// Boots the production build the way the image does: `tsc -p tsconfig.build.json` into an app folder laid
// out like the image's WORKDIR, then the Dockerfile's CMD with its ENV, read from the Dockerfile itself.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  execForm,
  healthcheckExecForm,
  ofKeyword,
  readRepoDockerfile,
  repoRoot,
  runtimeStage,
  stageEnv,
} from "./dockerfile.js";

const run = promisify(execFile);
const runtime = runtimeStage(readRepoDockerfile());
const cmd = execForm(ofKeyword(runtime, "CMD").at(-1))!;
const healthcheck = healthcheckExecForm(ofKeyword(runtime, "HEALTHCHECK").at(-1))!;

let appDir: string;

/** A port nothing listens on right now: bound on loopback, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The image's environment with what differs here: the free port, loopback instead of 0.0.0.0, and a
 * temporary folder standing for the /data volume. Nothing else from this machine, so no key is set.
 */
async function imageEnv(port: number): Promise<NodeJS.ProcessEnv> {
  const dataDir = path.join(appDir, "data");
  await mkdir(dataDir, { recursive: true });
  return { PATH: process.env.PATH, ...stageEnv(runtime), PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir };
}

/** An eval file deployed beside the app, as the README tells: TypeScript, loaded by path from WORKDIR. */
async function deployEvalFile(): Promise<string> {
  await mkdir(path.join(appDir, "my-evals"), { recursive: true });
  await writeFile(
    path.join(appDir, "my-evals", "deploy-check.eval.ts"),
    [
      'import { Eval } from "braintrust";',
      'Eval("deploy-check", { data: () => [{ input: "a", expected: "a" }], task: (input: string) => input, scores: [] });',
      "",
    ].join("\n"),
  );
  return "./my-evals/deploy-check.eval.ts";
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

async function waitForHealth(port: number, child: ChildProcess, output: () => string): Promise<unknown> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.ok) return await response.json();
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer on /healthz:\n${output()}`);
}

async function runHealthcheck(env: NodeJS.ProcessEnv): Promise<number> {
  try {
    await run(healthcheck[0], healthcheck.slice(1), { env, timeout: 10_000 });
    return 0;
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
}

beforeAll(async () => {
  appDir = await mkdtemp(path.join(tmpdir(), "sema4-boot-"));
  const tsc = path.join(repoRoot, "node_modules/typescript/bin/tsc");
  try {
    await run(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", path.join(appDir, "dist")], {
      cwd: repoRoot,
    });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`the production build failed:\n${stdout ?? ""}${stderr ?? ""}`);
  }
  // The image's /app: package.json ("type": "module"), node_modules and dist side by side.
  await cp(path.join(repoRoot, "package.json"), path.join(appDir, "package.json"));
  await symlink(path.join(repoRoot, "node_modules"), path.join(appDir, "node_modules"), "dir");
}, 120_000);

afterAll(async () => {
  await rm(appDir, { recursive: true, force: true });
});

describe("the production build", () => {
  it("imports only Node built-ins and production dependencies", async () => {
    const pkg = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8"));
    const allowed = new Set(Object.keys(pkg.dependencies ?? {}));
    const files = (await readdir(path.join(appDir, "dist"), { recursive: true })).filter((f) => f.endsWith(".js"));
    expect(files).toContain("main.js");
    const missing = new Set<string>();
    for (const file of files) {
      const code = await readFile(path.join(appDir, "dist", file), "utf8");
      for (const [, specifier] of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"'.][^"']*)["']/gm)) {
        if (isBuiltin(specifier)) continue;
        const parts = specifier.split("/");
        const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
        if (!allowed.has(name)) missing.add(`${name} (in dist/${file})`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it("boots as the image does, with no keys and a deployed .ts eval; passes its HEALTHCHECK; drains on SIGTERM", async () => {
    const port = await freePort();
    const env = { ...(await imageEnv(port)), EVAL_MODULES: await deployEvalFile() };
    const child = spawn(cmd[0], cmd.slice(1), { cwd: appDir, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exit = exited(child);
    try {
      expect(await waitForHealth(port, child, () => output)).toEqual({ status: "ok" });
      expect(await runHealthcheck(env)).toBe(0);
      // Liveness answers while the app is still being built; readiness once it serves every route.
      await expect
        .poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status, { timeout: 30_000, interval: 100 })
        .toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/list`)).status).toBe(401);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exit, output).toEqual({ code: 0, signal: null });
    // The check fails once nothing answers, so it can tell a dead container from a live one.
    expect(await runHealthcheck(env)).not.toBe(0);
    // Production logs are pino's JSON lines (Node's own warnings, if any, are plain text).
    const logs = output
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg: string; evaluators?: string[] });
    expect(logs.find((l) => l.msg === "evaluators loaded")?.evaluators).toContain("deploy-check");
    expect(logs.map((l) => l.msg)).toContain("shutting down");
  });
});
