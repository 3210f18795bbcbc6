// The viewer's built pages under /ui/: files of dist/web (or the directory given), index.html for every page path
// (deep links), a 404 for a missing asset, nothing outside the directory, and a clear 503 when it was not built.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig } from "../../../src/config.js";
import { EvaluatorRegistry } from "../../../src/evals/runtime/registry.js";
import { buildApp, DEFAULT_WEB_DIR } from "../../../src/server/app.js";

let dir: string;
let web: string;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sema4-viewer-pages-"));
  web = join(dir, "web");
  mkdirSync(join(web, "assets"), { recursive: true });
  writeFileSync(join(web, "index.html"), "<!doctype html><title>viewer</title><script src=/ui/assets/app-1a2b.js></script>");
  writeFileSync(join(web, "assets", "app-1a2b.js"), "console.log('viewer')");
  writeFileSync(join(web, "favicon.svg"), "<svg/>");
  writeFileSync(join(web, ".env"), "SECRET=1");
  writeFileSync(join(dir, "outside.txt"), "outside");
  app = await buildApp(testConfig({ DATA_DIR: join(dir, "data") }), { registry: new EvaluatorRegistry(), webDir: web });
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the viewer's pages", () => {
  it("serves index.html at /ui/ and for every page path, not cached", async () => {
    for (const url of ["/ui/", "/ui/experiments/abc", "/ui/traces/experiment/e/r?span=s", "/ui/compare?baseline=a&candidate=b", "/ui/logs"]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^text\/html/);
      expect(res.body).toContain("<title>viewer</title>");
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(res.headers["x-frame-options"]).toBe("DENY");
    }
    const bare = await app.inject({ url: "/ui" });
    expect(bare.statusCode).toBe(302);
    expect(bare.headers.location).toBe("/ui/");
  });

  it("serves the built assets, named by content, as immutable", async () => {
    const res = await app.inject({ url: "/ui/assets/app-1a2b.js" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/javascript/);
    expect(res.headers["cache-control"]).toMatch(/immutable/);
    expect(res.body).toBe("console.log('viewer')");
    expect((await app.inject({ url: "/ui/favicon.svg" })).headers["content-type"]).toMatch(/svg/);
  });

  it("answers 404 for a missing asset, and nothing outside the directory or hidden in it", async () => {
    expect((await app.inject({ url: "/ui/assets/missing.js" })).statusCode).toBe(404);
    for (const url of ["/ui/.env", "/ui/../outside.txt", "/ui/%2e%2e/outside.txt", "/ui/assets/..%2f..%2foutside.txt"]) {
      const res = await app.inject({ url });
      expect(res.body, url).not.toContain("SECRET=1");
      expect(res.body, url).not.toBe("outside");
    }
  });

  it("answers a clear 503 while the viewer is not built, and the data API still works", async () => {
    const unbuilt = await buildApp(testConfig({ DATA_DIR: join(dir, "data") }), { registry: new EvaluatorRegistry(), webDir: join(dir, "nowhere") });
    try {
      const res = await unbuilt.inject({ url: "/ui/experiments/x" });
      expect(res.statusCode).toBe(503);
      expect(res.headers["content-type"]).toMatch(/^text\/html/);
      expect(res.body).toContain("npm run build");
      expect(res.body).toContain(join(dir, "nowhere"));
      expect((await unbuilt.inject({ url: "/api/experiments" })).statusCode).toBe(200);
    } finally {
      await unbuilt.close();
    }
  });

  it("looks for the build in dist/web of the package by default", () => {
    expect(DEFAULT_WEB_DIR).toBe(join(import.meta.dirname, "..", "..", "..", "dist", "web"));
  });
});
