// What `braintrust eval --dev` does not do: cancel on disconnect, per-case deadlines, heartbeats, task progress
// (docs/devserver-protocol.md §14).
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRegistry } from "../support/evaluators.js";
import { postEval, startService, type RunningService } from "../support/service.js";

const signals: AbortSignal[] = [];
let svc: RunningService;
beforeAll(async () => {
  svc = await startService({
    deps: { registry: testRegistry({ onTaskSignal: (s) => signals.push(s) }) },
    config: { SSE_HEARTBEAT_MS: "100", EVAL_CASE_TIMEOUT_MS: "300" },
  });
});
afterAll(() => svc.close());

describe("cancellation and deadlines", () => {
  it("closing the stream aborts the run: the task's signal fires and no more cases start", async () => {
    // Cases that would run for a minute, under a deadline longer still: only the disconnect can stop them, however
    // slow the machine is.
    const slow = await startService({
      deps: { registry: testRegistry({ onTaskSignal: (s) => signals.push(s) }) },
      config: { EVAL_CASE_TIMEOUT_MS: "120000" },
    });
    signals.length = 0;
    const body = JSON.stringify({
      name: "peer-demo",
      stream: true,
      parameters: { sleep_ms: 60_000 },
      data: { data: Array.from({ length: 200 }, (_, i) => ({ input: `c${i}`, expected: `C${i}` })) },
    });
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${slow.base}/eval`, {
        method: "POST",
        headers: { ...slow.auth, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      });
      req.on("response", (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "ECONNRESET" ? resolve() : reject(e)));
      req.end(body);
    });
    try {
      await expect.poll(() => signals.length > 0 && signals.every((s) => s.aborted), { timeout: 10_000 }).toBe(true);
      const started = signals.length;
      await new Promise((r) => setTimeout(r, 400));
      // 200 cases at 64 at a time would have started more after the first wave; cancellation stopped that.
      expect(signals.length).toBe(started);
      expect(started).toBeLessThan(200);
    } finally {
      await slow.close();
    }
  });

  it("a case that outlives EVAL_CASE_TIMEOUT_MS fails alone; the others finish", async () => {
    const r = await postEval(svc, {
      name: "peer-timeout",
      stream: true,
      data: { data: [{ input: "hang", expected: "HANG" }, { input: "fine", expected: "FINE" }] },
    });
    const progress = r.events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data));
    expect(progress.map((p) => p.event).sort()).toEqual(["error", "json_delta"]);
    expect(progress.find((p) => p.event === "error").data).toMatch(/timed out after 300 ms/);
    expect(r.events.map((e) => e.event).slice(-2)).toEqual(["summary", "done"]);
  });

  it("sends heartbeat comments while a long case runs, and forwards the task's own progress", async () => {
    const res = await fetch(`${svc.base}/eval`, {
      method: "POST",
      headers: { ...svc.auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "peer-demo", stream: true, parameters: { sleep_ms: 250 }, data: { data: [{ input: "a", expected: "A" }] } }),
    });
    const text = await res.text();
    expect(text).toContain(": ping\n\n");

    const r = await postEval(svc, { name: "peer-demo-progress", stream: true, data: { data: [{ input: "a", expected: "A" }] } });
    const progress = r.events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data));
    expect(progress.map((p) => [p.event, p.data])).toEqual([
      ["text_delta", "custom-progress"],
      ["json_delta", '"A"'],
    ]);
    expect(progress[0].id).toBe(progress[1].id);
  });
});
