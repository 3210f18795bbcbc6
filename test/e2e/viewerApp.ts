// The viewer as a new user meets it, for the browser tests and the benchmark: the pages built from web/ by Vite
// (into a folder of their own, so the build under test is this checkout's), the real service on a loopback port
// with its local store in a fresh DATA_DIR, and results ingested through POST /admin/ingest.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import { build } from "vite";
import { testConfig, type Config } from "../../src/config.js";
import { buildApp, type AppDeps } from "../../src/server/app.js";

const repo = resolve(import.meta.dirname, "../..");

/** Two real tau2 runs of the same four airline tasks (4 trials each), when ../shared/data/tau2 is there. */
const REAL_TAU2 = resolve(repo, "../shared/data/tau2/blakeelias_tau2-bench");
export const REAL_RUNS = [
  "2025-10-13T11:33:36.494859_airline_llm_agent_grok-3-mini_user_simulator_grok-3-mini.json",
  "2025-10-13T11:40:16.379079_airline_llm_agent_grok-3_user_simulator_grok-3.json",
].map((f) => join(REAL_TAU2, f));
export const hasRealRuns = () => REAL_RUNS.every((f) => existsSync(f));

/** Builds web/ with its Vite config into a temporary folder; returns the folder. */
export async function buildPages(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), "viewer-web-"));
  await build({ configFile: join(repo, "web/vite.config.ts"), logLevel: "error", build: { outDir, emptyOutDir: true } });
  return outDir;
}

export interface RunningViewer {
  app: FastifyInstance;
  origin: string;
  dataDir: string;
  /** GET an API path as the operator (Bearer token). */
  api<T>(path: string): Promise<T>;
  /** POST a JSON body as the operator. */
  post(path: string, body: unknown): Promise<any>;
  /** POST /admin/ingest with these files (one experiment each, in order). */
  ingest(files: { name: string; body: string; experiment?: string }[], project?: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function startViewer(options: {
  webDir: string;
  token?: string;
  config?: Partial<Record<keyof Config, string>>;
  deps?: AppDeps;
}): Promise<RunningViewer> {
  const dataDir = mkdtempSync(join(tmpdir(), "viewer-data-"));
  const app = await buildApp(
    testConfig({ DATA_DIR: dataDir, ...(options.token ? { ADMIN_TOKEN: options.token } : {}), ...options.config }),
    { ...options.deps, webDir: options.webDir },
  );
  await app.listen({ port: 0, host: "127.0.0.1" });
  const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  return {
    app,
    origin,
    dataDir,
    async api<T>(path: string) {
      const res = await fetch(`${origin}${path}`, { headers: auth });
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async post(path: string, body: unknown) {
      const res = await fetch(`${origin}${path}`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) });
      const answer = await res.json();
      if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(answer)}`);
      return answer;
    },
    async ingest(files, project) {
      const form = new FormData();
      if (project) form.append("project", project);
      for (const f of files) {
        if (f.experiment) form.append("experiment", f.experiment);
        form.append("file", new Blob([f.body]), f.name);
      }
      const res = await fetch(`${origin}/admin/ingest`, { method: "POST", headers: auth, body: form });
      const body = await res.json();
      if (!res.ok) throw new Error(`ingest: ${res.status} ${JSON.stringify(body)}`);
      return body;
    },
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const readFile = (path: string) => ({ name: path.split("/").at(-1)!, body: readFileSync(path, "utf8") });
