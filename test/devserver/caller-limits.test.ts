// Limits per caller that one caller cannot dodge or turn against the others: the /eval rate limit keyed on who
// logged in (not on how the header was spelled), refused logins answered from a short cache and limited per
// client address, and a share of the running evals per caller.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRegistry } from "../support/evaluators.js";
import { startService, type RunningService } from "../support/service.js";

const TOKENS = ["sk-test", "sk-a", "sk-b", "sk-c", "sk-d"];

describe("refused logins", () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ deps: { registry: testRegistry() }, config: { LOGIN_ATTEMPTS_PER_MINUTE: "10" }, fake: { tokens: TOKENS } });
  });
  afterAll(() => svc?.close());
  const logins = () => svc.fake.callsTo("/api/apikey/login").length;
  const list = (headers: Record<string, string>) => fetch(`${svc.base}/list`, { headers: { "x-bt-org-name": svc.fake.orgName, ...headers } });

  it("50 /list with a bad token: one login at Braintrust, then 429 past the per-address limit, and others still served", async () => {
    // A caller whose login is cached before the flood keeps working through it.
    expect((await list({ "x-bt-auth-token": "sk-a" })).status).toBe(200);
    const before = logins();
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await list({ "x-bt-auth-token": "sk-bad" })).status);
    statuses.push(...(await Promise.all(Array.from({ length: 25 }, () => list({ authorization: "Bearer sk-bad" })))).map((r) => r.status));
    expect(logins() - before).toBe(1);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(40).fill(429));
    const limited = await list({ "x-bt-auth-token": "sk-bad" });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await limited.json()).error.message).toMatch(/login attempts.*LOGIN_ATTEMPTS_PER_MINUTE/);

    expect((await list({ "x-bt-auth-token": "sk-a" })).status).toBe(200);
    // Another address is not affected: its first login goes out.
    const other = await svc.app.inject({ method: "GET", url: "/list", remoteAddress: "203.0.113.9", headers: { "x-bt-auth-token": "sk-b", "x-bt-org-name": svc.fake.orgName } });
    expect(other.statusCode).toBe(200);
    expect(logins() - before).toBe(2);
    expect((await fetch(`${svc.base}/healthz`)).status).toBe(200);
  });

  it("a new bad token per request reaches Braintrust at most LOGIN_ATTEMPTS_PER_MINUTE times per address", async () => {
    const from = "203.0.113.20";
    const before = logins();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await svc.app.inject({ method: "GET", url: "/list", remoteAddress: from, headers: { "x-bt-auth-token": `sk-guess-${i}`, "x-bt-org-name": svc.fake.orgName } });
      statuses.push(res.statusCode);
    }
    expect(logins() - before).toBe(10);
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(20).fill(429)]);
  });

  it("a concurrent burst of one new token makes one login", async () => {
    const before = logins();
    const burst = await Promise.all(
      Array.from({ length: 8 }, () =>
        svc.app.inject({ method: "GET", url: "/list", remoteAddress: "203.0.113.30", headers: { "x-bt-auth-token": "sk-c", "x-bt-org-name": svc.fake.orgName } }),
      ),
    );
    expect(burst.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    expect(logins() - before).toBe(1);
  });

  it("does not remember a login that failed on Braintrust's side (5xx): an outage locks nobody out", async () => {
    svc.fake.fail("/api/apikey/login", { status: 503 });
    const listFrom = () =>
      svc.app.inject({ method: "GET", url: "/list", remoteAddress: "203.0.113.40", headers: { "x-bt-auth-token": "sk-d", "x-bt-org-name": svc.fake.orgName } });
    expect((await listFrom()).statusCode).toBe(401);
    expect((await listFrom()).statusCode).toBe(200);
  });

  it("forgets a refused login after LOGIN_FAILURE_TTL_MS", async () => {
    const short = await startService({ deps: { registry: testRegistry() }, config: { LOGIN_FAILURE_TTL_MS: "150" } });
    try {
      const bad = () => fetch(`${short.base}/list`, { headers: { "x-bt-auth-token": "sk-bad", "x-bt-org-name": short.fake.orgName } });
      expect([(await bad()).status, (await bad()).status]).toEqual([401, 401]);
      expect(short.fake.callsTo("/api/apikey/login")).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 300));
      expect((await bad()).status).toBe(401);
      expect(short.fake.callsTo("/api/apikey/login")).toHaveLength(2);
    } finally {
      await short.close();
    }
  });

  it("the operator routes share the cache and the limit (BRAINTRUST_ORG_NAME)", async () => {
    const op = await startService({
      deps: { registry: testRegistry() },
      config: { BRAINTRUST_ORG_NAME: "test-org", LOGIN_ATTEMPTS_PER_MINUTE: "3" },
      fake: { tokens: TOKENS },
    });
    try {
      const push = () => fetch(`${op.base}/admin/push-prompt`, { method: "POST", headers: { authorization: "Bearer sk-bad" } });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await push()).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
      expect(op.fake.callsTo("/api/apikey/login")).toHaveLength(1);
    } finally {
      await op.close();
    }
  });
});
