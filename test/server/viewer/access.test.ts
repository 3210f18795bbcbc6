// Who may see the viewer and its data API, attacked: without a credential nothing is shown (401 for the API and
// /experiments, a redirect to the sign-in page for pages), a forged or signed-out cookie is refused, another site
// can neither sign the browser in or out nor read data through it, the token is never what the cookie holds and
// never reaches the log; in loopback-only mode no sign-in is asked, and only loopback clients get in.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig, type Config } from "../../../src/config.js";
import { EvaluatorRegistry } from "../../../src/evals/runtime/registry.js";
import { createLogger } from "../../../src/logger.js";
import { cookieValue, ViewerSessions } from "../../../src/server/auth/viewerSessions.js";
import { buildApp } from "../../../src/server/app.js";
import { safeNext } from "../../../src/server/viewer/pageRoutes.js";

const TOKEN = "viewer-admin-token-0123456789";
const FORM = { "content-type": "application/x-www-form-urlencoded" };
const EVIL = "https://evil.example";
let dir: string;
const lines: string[] = [];

function webDir(): string {
  const web = join(dir, "web");
  mkdirSync(join(web, "assets"), { recursive: true });
  writeFileSync(join(web, "index.html"), "<!doctype html><title>viewer</title><div id=app></div>");
  return web;
}

async function app(config: Partial<Record<keyof Config, string>>): Promise<FastifyInstance> {
  const c = testConfig({ DATA_DIR: join(dir, "data"), LOG_LEVEL: "info", ...config });
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return buildApp(c, { registry: new EvaluatorRegistry(), webDir: webDir(), logger: createLogger(c, sink) });
}

const sessionOf = (res: LightMyRequestResponse) => cookieValue(String(res.headers["set-cookie"] ?? "").split(";")[0], "sema4_session");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sema4-viewer-access-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("with ADMIN_TOKEN", () => {
  let svc: FastifyInstance;
  beforeAll(async () => {
    svc = await app({ ADMIN_TOKEN: TOKEN, LOGIN_ATTEMPTS_PER_MINUTE: "1000" });
  });
  afterAll(() => svc?.close());

  const signIn = (token: string, headers: Record<string, string> = {}, next = "/ui/logs") =>
    svc.inject({ method: "POST", url: "/ui/sign-in", headers: { ...FORM, ...headers }, payload: new URLSearchParams({ token, next }).toString() });

  it("shows nothing without a credential: 401 for the API and /experiments, the sign-in page for pages", async () => {
    for (const url of ["/api/experiments", "/api/logs", "/api/experiments/x/tasks", "/experiments"]) {
      const res = await svc.inject({ url });
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error.message).toMatch(/sign in at \/ui\/sign-in/);
    }
    const page = await svc.inject({ url: "/ui/experiments/abc?x=1" });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe(`/ui/sign-in?next=${encodeURIComponent("/ui/experiments/abc?x=1")}`);
    expect(page.body).not.toContain("viewer");
    const form = await svc.inject({ url: "/ui/sign-in?next=/ui/logs" });
    expect(form.statusCode).toBe(200);
    expect(form.headers["content-type"]).toMatch(/text\/html/);
    expect(form.body).toContain('<form method="post" action="/ui/sign-in">');
    expect(form.body).toContain('name="next" value="/ui/logs"');
    expect(form.headers["x-frame-options"]).toBe("DENY");
  });

  it("refuses a wrong or empty token, setting no cookie", async () => {
    for (const token of ["wrong", "", `${TOKEN}x`]) {
      const res = await signIn(token);
      expect(res.statusCode).toBe(401);
      expect(res.headers["set-cookie"]).toBeUndefined();
      expect(res.body).toMatch(/not accepted|Paste a token/);
    }
  });

  it("signs in once: an HttpOnly, SameSite=Strict cookie that is not the token opens the API, /experiments and the pages", async () => {
    const from = lines.length;
    const res = await signIn(TOKEN);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/ui/logs");
    const header = String(res.headers["set-cookie"]);
    expect(header).toMatch(/^sema4_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
    const session = sessionOf(res)!;
    for (const encoded of [TOKEN, Buffer.from(TOKEN).toString("base64"), Buffer.from(TOKEN).toString("base64url"), Buffer.from(TOKEN).toString("hex")]) {
      expect(header).not.toContain(encoded);
    }
    const cookie = { cookie: `other=1; sema4_session=${session}` };
    expect((await svc.inject({ url: "/api/experiments", headers: cookie })).statusCode).toBe(200);
    expect((await svc.inject({ url: "/experiments", headers: cookie })).statusCode).toBe(200);
    const page = await svc.inject({ url: "/ui/experiments/abc", headers: cookie });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<title>viewer</title>");
    // The Bearer token works as before.
    expect((await svc.inject({ url: "/api/experiments", headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    // The log has the sign-in, never the token.
    const logged = lines.slice(from).join("\n");
    expect(logged).toContain('"url":"/ui/sign-in"');
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain(session);
  });

  it("marks the cookie Secure when the browser came over https (directly, or through a proxy that says so)", async () => {
    expect(String((await signIn(TOKEN, { "x-forwarded-proto": "https" })).headers["set-cookie"])).toMatch(/; Secure$/);
    const host = "viewer.example.com";
    expect(String((await signIn(TOKEN, { host, origin: `https://${host}` })).headers["set-cookie"])).toMatch(/; Secure$/);
    expect(String((await signIn(TOKEN)).headers["set-cookie"])).not.toMatch(/Secure/);
  });

  it("refuses forged, malformed and signed-out cookies", async () => {
    const forged = Buffer.alloc(32, 7).toString("base64url");
    for (const value of [forged, "x", `${forged}=`, "", TOKEN]) {
      expect((await svc.inject({ url: "/api/experiments", headers: { cookie: `sema4_session=${value}` } })).statusCode).toBe(401);
    }
    const session = sessionOf(await signIn(TOKEN))!;
    const cookie = { cookie: `sema4_session=${session}` };
    const out = await svc.inject({ method: "POST", url: "/ui/sign-out", headers: cookie });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe("/ui/sign-in");
    expect(String(out.headers["set-cookie"])).toMatch(/^sema4_session=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0$/);
    expect((await svc.inject({ url: "/api/experiments", headers: cookie })).statusCode).toBe(401);
    expect((await svc.inject({ url: "/ui/", headers: cookie })).statusCode).toBe(303);
  });

  it("refuses another site's sign-in (login CSRF) and sign-out, and a cross-site read with the cookie", async () => {
    for (const headers of [{ origin: EVIL }, { "sec-fetch-site": "cross-site" }, { origin: "null" }] as Record<string, string>[]) {
      const res = await signIn(TOKEN, headers);
      expect(res.statusCode).toBe(403);
      expect(res.headers["set-cookie"]).toBeUndefined();
    }
    const session = sessionOf(await signIn(TOKEN))!;
    const cookie = `sema4_session=${session}`;
    const out = await svc.inject({ method: "POST", url: "/ui/sign-out", headers: { cookie, origin: EVIL } });
    expect(out.statusCode).toBe(403);
    expect((await svc.inject({ url: "/api/experiments", headers: { cookie } })).statusCode).toBe(200);
    // A page of another site that got the browser to send the cookie still reads nothing.
    expect((await svc.inject({ url: "/api/experiments", headers: { cookie, origin: EVIL } })).statusCode).toBe(403);
    expect((await svc.inject({ url: "/api/experiments", headers: { cookie, "sec-fetch-site": "cross-site", "sec-fetch-mode": "cors" } })).statusCode).toBe(403);
  });

  it("does not let the viewer's cookie spend the operator's credits or write the store (/agent, /admin/*)", async () => {
    const session = sessionOf(await signIn(TOKEN))!;
    const res = await svc.inject({ method: "POST", url: "/admin/push-dataset", headers: { cookie: `sema4_session=${session}` } });
    expect(res.statusCode).toBe(401);
  });

  it("sends a sign-in back to viewer pages only, never to another site", async () => {
    expect((await signIn(TOKEN, {}, "https://evil.example/")).headers.location).toBe("/ui/");
    expect((await signIn(TOKEN, {}, "//evil.example/ui/")).headers.location).toBe("/ui/");
    expect((await signIn(TOKEN, {}, "/ui/compare?baseline=a&candidate=b")).headers.location).toBe("/ui/compare?baseline=a&candidate=b");
    expect(safeNext("/ui/\\\\evil.example")).toBe("/ui/");
    expect(safeNext("/admin/ingest")).toBe("/ui/");
  });

  it("lets another site's link open a page: it reloads itself, which carries the SameSite=Strict cookie", async () => {
    const res = await svc.inject({ url: "/ui/experiments/abc", headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<meta http-equiv="refresh" content="0">');
    expect(res.body).not.toContain("<title>viewer</title>");
  });
});

describe("sign-in attempts", () => {
  it("are limited per client address", async () => {
    const svc = await app({ ADMIN_TOKEN: TOKEN, LOGIN_ATTEMPTS_PER_MINUTE: "3" });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await svc.inject({ method: "POST", url: "/ui/sign-in", headers: FORM, payload: "token=guess" })).statusCode);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await svc.close();
    }
  });
});

describe("viewer sessions", () => {
  it("expire, and are kept by a digest of their id", () => {
    let now = 1_000;
    const sessions = new ViewerSessions(60_000, () => now);
    const id = sessions.create("admin");
    expect(sessions.check(id)).toBe("admin");
    now += 59_999;
    expect(sessions.check(id)).toBe("admin");
    now += 1;
    expect(sessions.check(id)).toBeUndefined();
    expect(sessions.check(undefined)).toBeUndefined();
    const other = sessions.create("admin");
    sessions.delete(other);
    expect(sessions.check(other)).toBeUndefined();
    expect(JSON.stringify([...(sessions as unknown as { sessions: Map<string, unknown> }).sessions.keys()])).not.toContain(id);
  });

  it("reads one cookie of a Cookie header", () => {
    expect(cookieValue("a=1; sema4_session=xyz; b=2", "sema4_session")).toBe("xyz");
    expect(cookieValue("xsema4_session=1", "sema4_session")).toBeUndefined();
    expect(cookieValue(undefined, "sema4_session")).toBeUndefined();
  });
});

describe("in loopback-only mode (no ADMIN_TOKEN, no BRAINTRUST_ORG_NAME)", () => {
  let svc: FastifyInstance;
  beforeAll(async () => {
    svc = await app({});
  });
  afterAll(() => svc?.close());

  it("serves loopback clients without a sign-in, and refuses others and proxied requests", async () => {
    expect((await svc.inject({ url: "/api/experiments" })).statusCode).toBe(200);
    expect((await svc.inject({ url: "/ui/experiments/x" })).statusCode).toBe(200);
    const signIn = await svc.inject({ url: "/ui/sign-in?next=/ui/logs" });
    expect(signIn.statusCode).toBe(302);
    expect(signIn.headers.location).toBe("/ui/logs");
    for (const url of ["/api/experiments", "/ui/", "/experiments"]) {
      expect((await svc.inject({ url, remoteAddress: "203.0.113.9" })).statusCode, url).toBe(403);
      expect((await svc.inject({ url, headers: { "x-forwarded-for": "203.0.113.9" } })).statusCode, url).toBe(403);
    }
  });

  it("refuses a rebound name and another site's reads, but opens a page from another site's link", async () => {
    expect((await svc.inject({ url: "/ui/", headers: { host: "evil.example:8300" } })).statusCode).toBe(403);
    expect((await svc.inject({ url: "/api/experiments", headers: { host: "evil.example" } })).statusCode).toBe(403);
    expect((await svc.inject({ url: "/api/experiments", headers: { origin: EVIL } })).statusCode).toBe(403);
    const link = await svc.inject({ url: "/ui/compare?baseline=a&candidate=b", headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" } });
    expect(link.statusCode).toBe(200);
    expect(link.body).toContain("<title>viewer</title>");
    // A cross-site POST is no navigation of a page.
    expect((await svc.inject({ method: "POST", url: "/ui/sign-out", headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" } })).statusCode).toBe(403);
  });
});
