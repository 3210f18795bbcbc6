// A web page the operator happens to open attacks the operator routes (/admin/*, /agent, /experiments) through
// the operator's own browser: simple cross-site requests (multipart, text/plain, no preflight), and DNS rebinding
// (the page's own name resolved to 127.0.0.1, so the request is loopback and carries the page's Host). Every attempt
// is refused before anything is read or stored; the Playground's cross-origin calls to /list and /eval still work.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tau2Results, trials } from "../../support/ingestFixtures.js";
import { expectRefused, expectUnharmed, send, startHardened, type Answer, type HardenedService } from "./helpers.js";

const EVIL = "https://evil.example";
const BT = "https://www.braintrust.dev";
const resultsFile = () => JSON.stringify(tau2Results({ model: "gpt-5", tasks: ["a"], sims: trials({ a: [1] }) }));

/** The bytes and type a browser sends for a form with one file field: a "simple" request, no preflight. */
async function formUpload(): Promise<{ body: Buffer; type: string }> {
  const form = new FormData();
  form.append("file", new Blob([resultsFile()], { type: "application/json" }), "results.json");
  const request = new Request("http://form.invalid/", { method: "POST", body: form });
  return { body: Buffer.from(await request.arrayBuffer()), type: request.headers.get("content-type")! };
}

const experimentCount = async (svc: HardenedService) => JSON.parse((await send(svc, "/experiments")).text).experiments.length;
const hostOf = (svc: HardenedService) => new URL(svc.base).host;

describe("loopback-only mode (no ADMIN_TOKEN, no BRAINTRUST_ORG_NAME)", () => {
  let svc: HardenedService;
  beforeAll(async () => {
    svc = await startHardened();
  });
  afterAll(() => svc?.close());

  const ingestFrom = async (headers: Record<string, string>): Promise<Answer> => {
    const { body, type } = await formUpload();
    return send(svc, "/admin/ingest", { headers: { "content-type": type, ...headers }, body });
  };

  it("refuses a cross-site multipart upload to /admin/ingest and stores nothing", async () => {
    expectRefused(await ingestFrom({ origin: EVIL }), 403, /another site/);
    // Without Origin, a browser's own Sec-Fetch-Site says where the request comes from.
    expectRefused(await ingestFrom({ "sec-fetch-site": "cross-site" }), 403, /another site/);
    // Even the Playground's origin may not use the operator routes: it only needs /list and /eval.
    expectRefused(await ingestFrom({ origin: BT }), 403, /another site/);
    // An opaque origin (a sandboxed iframe, a file:// page) is not this service's.
    expectRefused(await ingestFrom({ origin: "null" }), 403, /another site/);
    expect(await experimentCount(svc)).toBe(0);
    await expectUnharmed(svc, async () => {
      // The service's own pages (same origin) and tools without Origin (curl, the CLI) still get in.
      const same = await ingestFrom({ origin: `http://${hostOf(svc)}`, "sec-fetch-site": "same-origin" });
      expect(same.status, same.text.slice(0, 300)).toBe(200);
      expect(await experimentCount(svc)).toBe(1);
    });
  });

  it("refuses a cross-site POST /admin/push-dataset and /admin/push-prompt, even as text/plain, and stores nothing", async () => {
    for (const path of ["/admin/push-dataset", "/admin/push-prompt"]) {
      expectRefused(await send(svc, path, { headers: { origin: EVIL, "content-type": "text/plain" }, body: "x" }), 403, /another site/);
      expectRefused(await send(svc, path, { method: "POST", headers: { origin: EVIL } }), 403, /another site/);
    }
    // Had a refused push written anything, this first real push would find its rows already there.
    const pushed = await send(svc, "/admin/push-dataset", { method: "POST" });
    expect(pushed.status).toBe(200);
    expect(JSON.parse(pushed.text)).toMatchObject({ rows: 12, new_rows: 12 });
  });

  it("refuses a cross-site POST /agent and GET /experiments", async () => {
    expectRefused(
      await send(svc, "/agent", { headers: { origin: EVIL, "content-type": "text/plain" }, body: '{"question":"How many plans?"}' }),
      403,
      /another site/,
    );
    expectRefused(await send(svc, "/experiments", { headers: { origin: EVIL } }), 403, /another site/);
    expectRefused(await send(svc, "/experiments/x", { headers: { "sec-fetch-site": "same-site" } }), 403, /another site/);
  });

  it("refuses a rebound name (Host: evil.example) on /admin/ingest, /admin/push-dataset, /agent and /experiments", async () => {
    const port = new URL(svc.base).port;
    for (const host of [`evil.example:${port}`, "evil.example", `127.0.0.1.evil.example:${port}`, `0.0.0.0:${port}`]) {
      expectRefused(await ingestFrom({ host }), 403, /Host .* is not a loopback name.*PUBLIC_HOSTNAMES/);
      expectRefused(await send(svc, "/admin/push-dataset", { method: "POST", headers: { host } }), 403, /PUBLIC_HOSTNAMES/);
      expectRefused(await send(svc, "/agent", { headers: { host, "content-type": "application/json" }, body: "{}" }), 403, /PUBLIC_HOSTNAMES/);
      expectRefused(await send(svc, "/experiments", { headers: { host } }), 403, /PUBLIC_HOSTNAMES/);
      expectRefused(await send(svc, "/experiments/x", { headers: { host } }), 403, /PUBLIC_HOSTNAMES/);
    }
    // The same origin as the rebound page (same scheme, name and port) does not make it the service's own.
    expectRefused(await ingestFrom({ host: `evil.example:${port}`, origin: `http://evil.example:${port}` }), 403, /PUBLIC_HOSTNAMES/);
    // Every loopback spelling is served.
    for (const host of [`localhost:${port}`, "LOCALHOST", `127.0.0.2:${port}`, `[::1]:${port}`, "app.localhost", "localhost."]) {
      const res = await send(svc, "/experiments", { headers: { host } });
      expect(res.status, `${host}: ${res.text.slice(0, 200)}`).toBe(200);
    }
  });

  it("refuses requests a proxy forwarded: behind a reverse proxy every client looks loopback", async () => {
    const forwarded: Record<string, string>[] = [{ "x-forwarded-for": "203.0.113.7" }, { forwarded: "for=203.0.113.7" }, { "x-real-ip": "203.0.113.7" }, { via: "1.1 proxy" }];
    for (const headers of forwarded) {
      expectRefused(await send(svc, "/admin/push-prompt", { method: "POST", headers }), 403, /proxy.*ADMIN_TOKEN/);
    }
  });

  it("leaves the Playground's cross-origin /list and /eval alone", async () => {
    const list = await send(svc, "/list", { headers: { ...svc.auth, origin: BT, "sec-fetch-site": "cross-site" } });
    expect(list.status).toBe(200);
    expect(list.headers["access-control-allow-origin"]).toBe(BT);
    const evaluation = await send(svc, "/eval", {
      headers: { ...svc.auth, origin: BT, "sec-fetch-site": "cross-site", "content-type": "application/json" },
      body: JSON.stringify({ name: "peer-demo", data: { data: [{ input: "ok", expected: "OK" }] } }),
    });
    expect(evaluation.status, evaluation.text.slice(0, 300)).toBe(200);
  });
});

describe("PUBLIC_HOSTNAMES", () => {
  it("adds names a loopback-only service answers to; `*` accepts any", async () => {
    const svc = await startHardened({ PUBLIC_HOSTNAMES: "sema4.internal, Other.Example" });
    try {
      const port = new URL(svc.base).port;
      for (const host of [`sema4.internal:${port}`, "other.example"]) {
        expect((await send(svc, "/experiments", { headers: { host } })).status).toBe(200);
      }
      expectRefused(await send(svc, "/experiments", { headers: { host: "evil.example" } }), 403, /PUBLIC_HOSTNAMES/);
      // A page served under that name is still another site for the origin check unless it is this service.
      expectRefused(await send(svc, "/experiments", { headers: { host: "sema4.internal", origin: EVIL } }), 403, /another site/);
      expect((await send(svc, "/experiments", { headers: { host: "sema4.internal", origin: "https://sema4.internal" } })).status).toBe(200);
    } finally {
      await svc.close();
    }
    const any = await startHardened({ PUBLIC_HOSTNAMES: "*" });
    try {
      // Any name, so a rebound page is served as its own origin: `*` turns the rebinding guard off.
      expect((await send(any, "/experiments", { headers: { host: "evil.example", origin: EVIL } })).status).toBe(200);
      expectRefused(await send(any, "/experiments", { headers: { host: "evil.example", origin: "https://other.example" } }), 403, /another site/);
    } finally {
      await any.close();
    }
  });
});

describe("with ADMIN_TOKEN", () => {
  const ADMIN = "browser-admin-token";
  let svc: HardenedService;
  beforeAll(async () => {
    svc = await startHardened({ ADMIN_TOKEN: ADMIN, BRAINTRUST_ORG_NAME: "test-org", RATE_LIMIT_AGENT_PER_MINUTE: "3" });
  });
  afterAll(() => svc?.close());
  const bearer = { authorization: `Bearer ${ADMIN}` };

  it("GET /experiments and /experiments/:id are operator routes: no token, 401", async () => {
    expectRefused(await send(svc, "/experiments"), 401, /Bearer/);
    expectRefused(await send(svc, "/experiments/anything?limit=1"), 401, /Bearer/);
    expectRefused(await send(svc, "/experiments", { headers: { authorization: "Bearer wrong" } }), 401, /Invalid token/);
    const listed = await send(svc, "/experiments", { headers: bearer });
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.text)).toEqual({ experiments: [] });
    expectRefused(await send(svc, "/experiments/nope", { headers: bearer }), 404, /Experiment nope not found/);
  });

  it("serves the public name the platform routes by (the browser does not have the token), but never another site's page", async () => {
    const res = await send(svc, "/experiments", { headers: { ...bearer, host: "sema4-demo.fly.dev" } });
    expect(res.status).toBe(200);
    expectRefused(await send(svc, "/experiments", { headers: { ...bearer, host: "sema4-demo.fly.dev", origin: EVIL } }), 403, /another site/);
    expect((await send(svc, "/experiments", { headers: { ...bearer, host: "sema4-demo.fly.dev", origin: "https://sema4-demo.fly.dev" } })).status).toBe(200);
  });

  it("rate-limits /agent per operator, whatever the spelling of the Authorization header", async () => {
    // No model is configured, so each admitted request is a 503; the limit counts it all the same.
    const spellings = [`Bearer ${ADMIN}`, `bearer ${ADMIN}`, `Bearer    ${ADMIN}`, `BEARER\t${ADMIN}`];
    const statuses: number[] = [];
    for (const authorization of spellings) {
      const res = await send(svc, "/agent", { headers: { authorization, "content-type": "application/json" }, body: '{"question":"How many plans?"}' });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([503, 503, 503, 429]);
    // Another operator (a Braintrust key of BRAINTRUST_ORG_NAME) from the same address has its own bucket.
    const other = await send(svc, "/agent", { headers: { authorization: "Bearer sk-test", "content-type": "application/json" }, body: '{"question":"How many plans?"}' });
    expect(other.status).toBe(503);
    await expectUnharmed(svc, async () => {
      expect((await send(svc, "/experiments", { headers: bearer })).status).toBe(200);
    });
  });
});
