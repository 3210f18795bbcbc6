// Limits that keep one caller from taking the service: per-caller rate, and a cap on evals running at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRegistry } from "../../support/evaluators.js";
import { postEval, startService, type RunningService } from "../../support/service.js";

let svc: RunningService;
beforeAll(async () => {
  svc = await startService({
    deps: { registry: testRegistry() },
    config: { RATE_LIMIT_EVAL_PER_MINUTE: "3", MAX_CONCURRENT_EVALS: "1" },
  });
});
afterAll(() => svc.close());

const small = { name: "peer-demo", stream: true, data: { data: [{ input: "a", expected: "A" }] } };

describe("limits on /eval", () => {
  it("caps evals running at once with a 503 and Retry-After, and frees the slot when the run ends", async () => {
    const long = postEval(svc, { ...small, parameters: { sleep_ms: 400 } });
    await new Promise((r) => setTimeout(r, 150));
    const busy = await postEval(svc, small);
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("5");
    expect(JSON.parse(busy.text).error.message).toMatch(/Too many evals running/);
    expect((await long).status).toBe(200);
  });

  it("rate-limits each caller separately with a 429 and Retry-After", async () => {
    // Two requests were spent above; the third of this minute still passes, the fourth does not.
    expect((await postEval(svc, small)).status).toBe(200);
    const limited = await postEval(svc, small);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(JSON.parse(limited.text).error.message).toMatch(/rate limit/i);
    // Another caller (another token) is not affected.
    const other = await fetch(`${svc.base}/eval`, {
      method: "POST",
      headers: { authorization: "Bearer sk-other", "x-bt-org-name": "test-org", "content-type": "application/json" },
      body: JSON.stringify(small),
    });
    expect(other.status).toBe(401);
  });
});
