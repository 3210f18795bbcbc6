// POST /admin/ingest against the budgets its requests share, over HTTP: an upload that finds the spool full because
// another is still arriving gets a 503 with Retry-After, the first one still completes, the retry succeeds, and
// nothing is left in the spool.
import { existsSync, readdirSync, statSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tau2Results, trials } from "../../support/ingestFixtures.js";
import { expectRefused, send, startHardened, type HardenedService } from "./helpers.js";

const KiB = 1024;
let svc: HardenedService;
beforeAll(async () => {
  svc = await startHardened({ INGEST_SPOOL_LIMIT: String(256 * KiB) });
});
afterAll(() => svc?.close());

const padded = (model: string, bytes: number) =>
  JSON.stringify(tau2Results({ model, tasks: ["a"], sims: trials({ a: [1, 0] }) })) + " ".repeat(bytes);
const spoolDir = () => path.join(svc.dataDir, "ingest-spool");
const spooledBytes = () =>
  existsSync(spoolDir()) ? readdirSync(spoolDir()).reduce((n, f) => n + statSync(path.join(spoolDir(), f)).size, 0) : 0;

describe("POST /admin/ingest: the shared spool", () => {
  it("answers 503 with Retry-After while another upload fills it; the other completes and a retry succeeds", async () => {
    const first = padded("first", 200 * KiB);
    const url = new URL(svc.base);
    let finish!: () => void;
    const firstAnswer = new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, method: "POST", path: "/admin/ingest?experiment=first", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(first) } },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode!));
        },
      );
      req.on("error", reject);
      req.write(first.slice(0, 180 * KiB));
      finish = () => req.end(first.slice(180 * KiB));
    });
    // Bytes on disk have been counted against the spool before they were written.
    while (spooledBytes() < 128 * KiB) await new Promise((r) => setTimeout(r, 20));

    const second = padded("second", 140 * KiB);
    const busy = await send(svc, "/admin/ingest?experiment=second", { headers: { "content-type": "application/json" }, body: second });
    expectRefused(busy, 503, /^The ingests in flight fill \d+ of the spool's 262144 bytes \(INGEST_SPOOL_LIMIT\); try again shortly$/);
    expect(busy.headers["retry-after"]).toBe("10");

    finish();
    expect(await firstAnswer).toBe(200);
    const retried = await send(svc, "/admin/ingest?experiment=second", { headers: { "content-type": "application/json" }, body: second });
    expect(retried.status, retried.text.slice(0, 300)).toBe(200);
    const names = JSON.parse((await send(svc, "/experiments")).text).experiments.map((e: { name: string }) => e.name);
    expect(names.sort()).toEqual(["first", "second"]);
    expect(readdirSync(spoolDir())).toEqual([]);
  });

  it("answers 413 for one upload larger than the whole spool", async () => {
    const res = await send(svc, "/admin/ingest", { headers: { "content-type": "application/json" }, body: padded("huge", 300 * KiB) });
    expectRefused(res, 413, /^request body: the files of this ingest take more than 262144 bytes in the spool, decompressed \(INGEST_SPOOL_LIMIT\)$/);
    expect(readdirSync(spoolDir())).toEqual([]);
  });
});
