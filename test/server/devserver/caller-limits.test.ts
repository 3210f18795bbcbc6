// Limits per caller that one caller cannot dodge or turn against the others: the /eval rate limit keyed on who
// logged in (not on how the header was spelled), refused logins answered from a short cache and limited per
// client address, and a share of the running evals per caller.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRegistry } from "../../support/evaluators.js";
import { postEval, startService, type RunningService } from "../../support/service.js";

const small = { name: "peer-demo", data: { data: [{ input: "a", expected: "A" }] } };
const TOKENS = ["sk-test", "sk-a", "sk-b", "sk-c", "sk-d"];

describe("the /eval rate limit", () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ deps: { registry: testRegistry() }, config: { RATE_LIMIT_EVAL_PER_MINUTE: "4" }, fake: { tokens: TOKENS } });
  });
  afterAll(() => svc?.close());

  const evalWith = async (headers: Record<string, string>) => {
    const res = await fetch(`${svc.base}/eval`, {
      method: "POST",
      headers: { "x-bt-org-name": svc.fake.orgName, "content-type": "application/json", ...headers },
      body: JSON.stringify(small),
    });
    return { status: res.status, text: await res.text(), retryAfter: res.headers.get("retry-after") };
  };

  it("counts every spelling of one token against one bucket", async () => {
    const spellings: Record<string, string>[] = [
      { "x-bt-auth-token": "sk-a" },
      { authorization: "Bearer sk-a" },
      { authorization: "bearer sk-a" },
      { authorization: "Basic sk-a" },
      { authorization: "Token sk-a" },
      { "x-bt-auth-token": "sk-a", authorization: "Bearer sk-b" },
    ];
    const statuses: number[] = [];
    for (const headers of spellings) statuses.push((await evalWith(headers)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const limited = await evalWith({ authorization: "Bearer sk-a" });
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    expect(JSON.parse(limited.text).error.message).toMatch(/rate limit/i);
    // A spelling the protocol does not accept is a 400, not a fresh bucket.
    expect((await evalWith({ authorization: "Bearer  sk-a" })).status).toBe(400);
    // Another caller is not affected.
    expect((await evalWith({ authorization: "Bearer sk-b" })).status).toBe(200);
  });

  it("does not count refused requests against the caller whose token they name", async () => {
    for (let i = 0; i < 6; i++) expect((await evalWith({ "x-bt-auth-token": "sk-c", "x-bt-org-name": "other-org" })).status).toBe(401);
    expect((await evalWith({ "x-bt-auth-token": "sk-c" })).status).toBe(200);
  });
});

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

describe("evals running at once", () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ deps: { registry: testRegistry() }, fake: { tokens: TOKENS } });
  });
  afterAll(() => svc?.close());

  it("20 slow evals from 3 callers leave room for a 4th: each caller gets MAX_CONCURRENT_EVALS_PER_CALLER", async () => {
    const stop = new AbortController();
    const slow = (token: string) =>
      fetch(`${svc.base}/eval`, {
        method: "POST",
        headers: { "x-bt-auth-token": token, "x-bt-org-name": svc.fake.orgName, "content-type": "application/json" },
        body: JSON.stringify({ ...small, stream: true, parameters: { sleep_ms: 600_000 } }),
        signal: stop.signal,
      });
    try {
      // Seven each, one after another, so that which of a caller's requests are refused is not left to chance.
      const answers: Response[] = [];
      for (let i = 0; i < 7; i++) for (const token of ["sk-a", "sk-b", "sk-c"]) answers.push(await slow(token));
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(15);
      const busy = answers.filter((r) => r.status === 503);
      expect(busy).toHaveLength(6);
      expect(busy[0].headers.get("retry-after")).toBe("5");
      expect((await busy[0].json()).error.message).toMatch(/5 evals running.*MAX_CONCURRENT_EVALS_PER_CALLER/);

      const fourth = await postEval(svc, small, { "x-bt-auth-token": "sk-d" });
      expect(fourth.status, fourth.text).toBe(200);
      expect(JSON.parse(fourth.text).scores.exact_match.score).toBe(1);
    } finally {
      stop.abort();
    }
  });
});
