// The service from its source (`npm run dev`; `npm start` runs the same main.ts compiled into dist/): defaults
// without any key, a clear stop on bad configuration, and a graceful drain on SIGTERM. Node itself with tsx's loader,
// not the tsx command: signals reach the service directly, not through the command's relay (which, on a busy machine,
// could end the service before its drain).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useFakeBraintrust } from "../../support/fakeBraintrust.js";
import { parseSse } from "../../support/service.js";
import { freePort, spawnService, waitForHttp } from "../../support/process.js";

const dataDir = mkdtempSync(path.join(tmpdir(), "sema4-proc-"));

const fake = useFakeBraintrust();

describe("the service process", () => {
  it("starts with its embedded defaults and no keys, and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    // The default HOST, 0.0.0.0: the test still talks to it over loopback only.
    const svc = spawnService(process.execPath, ["--import", "tsx", "src/main.ts"], { PORT: String(port), DATA_DIR: dataDir });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, svc);
      const root = await fetch(`http://127.0.0.1:${port}/`);
      expect(await root.text()).toBe("Hello, world!");
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      const facts = await ready.json();
      expect(facts).toMatchObject({ status: "ready", recorder: "local", evaluators: expect.arrayContaining(["sema4-demo"]) });
      expect(["bwrap", "virtual"]).toContain(facts.sandbox.mode);
    } finally {
      svc.child.kill("SIGTERM");
    }
    expect(await svc.exited).toEqual({ code: 0, signal: null });
    expect(svc.output()).toMatch(/neither ADMIN_TOKEN nor BRAINTRUST_ORG_NAME set/);
  });

  it("refuses a wrong setting with a message naming the variable", async () => {
    const svc = spawnService(process.execPath, ["--import", "tsx", "src/main.ts"], { PORT: "eighty", LOG_LEVEL: "loud" });
    expect((await svc.exited).code).toBe(2);
    expect(svc.output()).toMatch(/PORT/);
    expect(svc.output()).toMatch(/LOG_LEVEL/);
  });

  it("on SIGTERM mid-eval stops taking requests, cancels the eval after the grace period, flushes its rows, exits 0", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sema4-proc-eval-"));
    const file = path.join(dir, "slow.eval.ts");
    writeFileSync(
      file,
      `import { Eval } from "braintrust";
Eval("slow", {
  data: () => [],
  task: async (input: string, { signal }: { signal: AbortSignal }) => {
    if (input !== "quick") await new Promise((r, j) => { const t = setTimeout(r, 60_000); signal.addEventListener("abort", () => { clearTimeout(t); j(signal.reason); }); });
    return input.toUpperCase();
  },
  scores: [function exact({ output, expected }: any) { return output === expected ? 1 : 0; }],
});
`,
    );
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const svc = spawnService(process.execPath, ["--import", "tsx", "src/main.ts"], {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      EVAL_MODULES: file,
      BRAINTRUST_APP_URL: fake.url,
      SHUTDOWN_GRACE_MS: "500",
    });
    await waitForHttp(`${base}/readyz`, svc);
    const res = await fetch(`${base}/eval`, {
      method: "POST",
      headers: { "x-bt-auth-token": "sk-test", "x-bt-org-name": fake.orgName, "content-type": "application/json" },
      body: JSON.stringify({ name: "slow", stream: true, data: { data: [{ input: "quick", expected: "QUICK" }, { input: "slow", expected: "SLOW" }] } }),
    });
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes("event: progress")) text += new TextDecoder().decode((await reader.read()).value);
    svc.child.kill("SIGTERM");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const events = parseSse(text);
    expect(events.map((e) => e.event).slice(-2)).toEqual(["error", "done"]);
    expect(JSON.parse(events.at(-2)!.data).message).toMatch(/shutting down/);
    expect(await svc.exited).toEqual({ code: 0, signal: null });
    const start = JSON.parse(events[0].data);
    const roots = fake.rows({ experiment_id: start.experimentId }).filter((r) => (r.span_attributes as { type: string }).type === "eval");
    expect(roots).toHaveLength(2);
    expect(String(roots.find((r) => r.input === "slow")!.error)).toMatch(/shutting down/);
  });
});

describe("start-up", () => {
  it("opens the port before the app is built: liveness at once, other requests wait for the app, none refused", async () => {
    const port = await freePort();
    const svc = spawnService(process.execPath, ["--import", "tsx", "src/main.ts"], { PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, svc);
      // Sent as soon as the port answers: served by the app once it is ready, not refused.
      const [list, ready] = await Promise.all([
        fetch(`http://127.0.0.1:${port}/list`, { headers: { "x-bt-auth-token": "null", "x-bt-org-name": "x" } }),
        fetch(`http://127.0.0.1:${port}/readyz`),
      ]);
      expect(list.status).toBe(401);
      expect(await list.json()).toEqual({ error: { message: expect.stringMatching(/^Unauthorized: send a Braintrust API key/), status: 401 } });
      expect([200, 503]).toContain(ready.status);
      if (ready.status === 503) expect(await ready.json()).toEqual({ status: "starting" });
    } finally {
      svc.child.kill("SIGTERM");
    }
    expect((await svc.exited).code).toBe(0);
  });
});

describe("shutdown during an ingest", () => {
  it("cancels an upload still in flight after the grace period, stores nothing of it, exits 0", async () => {
    const { tau2Results, trials } = await import("../../support/ingestFixtures.js");
    const { LocalStore } = await import("../../../src/recorder/localStore.js");
    const ingestDir = mkdtempSync(path.join(tmpdir(), "sema4-proc-ingest-"));
    const body = JSON.stringify(
      tau2Results({ tasks: ["t1", "t2", "t3"], sims: trials({ t1: [1, 1], t2: [0, 1], t3: [1, 0] }) }),
      null,
      2,
    );
    const port = await freePort();
    const svc = spawnService(process.execPath, ["--import", "tsx", "src/main.ts"], {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: ingestDir,
      SHUTDOWN_GRACE_MS: "300",
    });
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, svc);
    const http = await import("node:http");
    const answered = new Promise<number | string>((resolve) => {
      const req = http.request(`http://127.0.0.1:${port}/admin/ingest?experiment=cut-off`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", (e) => resolve((e as NodeJS.ErrnoException).code ?? "error"));
      // Half the file, then silence: the upload is in flight when SIGTERM arrives.
      req.write(body.slice(0, body.length / 2));
    });
    await new Promise((r) => setTimeout(r, 300));
    svc.child.kill("SIGTERM");
    expect(await svc.exited).toEqual({ code: 0, signal: null });
    const outcome = await answered;
    expect(outcome === "ECONNRESET" || (typeof outcome === "number" && outcome >= 400)).toBe(true);
    const store = new LocalStore(ingestDir);
    try {
      expect(store.listExperiments()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it("SIGTERM during a stalled upload: the spool file is gone once the process has exited", async () => {
    const ingestDir = mkdtempSync(path.join(tmpdir(), "sema4-proc-spool-"));
    const spool = path.join(ingestDir, "ingest-spool");
    const port = await freePort();
    const svc = spawnService(process.execPath, ["--import", "tsx", "src/main.ts"], { PORT: String(port), HOST: "127.0.0.1", DATA_DIR: ingestDir, SHUTDOWN_GRACE_MS: "300" });
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, svc);
    const http = await import("node:http");
    const body = `[${" ".repeat(2 * 1024 * 1024)}]`;
    const req = http.request(`http://127.0.0.1:${port}/admin/ingest`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": body.length },
    });
    const answered = new Promise<void>((resolve) => {
      req.on("response", (res) => res.resume().on("end", resolve));
      req.on("error", () => resolve());
    });
    req.write(body.slice(0, body.length / 2));
    // The upload has reached the spool, then stalls.
    while (!existsSync(spool) || readdirSync(spool).length === 0) await new Promise((r) => setTimeout(r, 20));
    svc.child.kill("SIGTERM");
    expect(await svc.exited).toEqual({ code: 0, signal: null });
    await answered;
    expect(readdirSync(spool)).toEqual([]);
  });

  it("removes at start what a process that is gone left in the spool, and keeps what a live one spools", async () => {
    const ingestDir = mkdtempSync(path.join(tmpdir(), "sema4-proc-spool-"));
    const spool = path.join(ingestDir, "ingest-spool");
    mkdirSync(spool, { recursive: true });
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    const leftovers = [`ingest-${gone}-0badc0de-0f0e0d0c-0000-4000-8000-000000000001.json`, "ingest-7d1f3a52-9b8e-4c1d-a2f0-5e6b7c8d9e0f.json"];
    // This test runner is alive: a file named after it is another process's upload in flight.
    const live = `ingest-${process.pid}-0badc0de-0f0e0d0c-0000-4000-8000-000000000002.json`;
    for (const name of [...leftovers, live]) writeFileSync(path.join(spool, name), "[1, 2");
    const port = await freePort();
    const svc = spawnService(process.execPath, ["--import", "tsx", "src/main.ts"], { PORT: String(port), HOST: "127.0.0.1", DATA_DIR: ingestDir });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, svc);
      expect(readdirSync(spool)).toEqual([live]);
    } finally {
      svc.child.kill("SIGTERM");
    }
    expect((await svc.exited).code).toBe(0);
    expect(readdirSync(spool)).toEqual([live]);
  });
});
