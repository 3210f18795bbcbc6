// The spool's files belong to the process life that wrote them: an app sweeps at start what an earlier life of the
// same pid left (pid 1 in a container after a restart), and leaves alone what another app of this process, on the
// same DATA_DIR, is still uploading; closing an app removes only its own uploads.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { basename, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { testConfig } from "../../../src/config.js";
import { spoolPath } from "../../../src/ingest/read/spoolFiles.js";
import { buildApp } from "../../../src/server/app.js";
import { tau2Results, tempDir, trials } from "../../support/ingestFixtures.js";

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function start(dataDir: string): Promise<{ app: FastifyInstance; port: number }> {
  const app = await buildApp(testConfig({ DATA_DIR: dataDir, SANDBOX_MODE: "virtual" }));
  apps.push(app);
  await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, port: (app.server.address() as { port: number }).port };
}

describe("the ingest spool", () => {
  it("is swept at start of an earlier life's files, not of this life's", async () => {
    const dataDir = join(tempDir(), "data");
    const spool = join(dataDir, "ingest-spool");
    mkdirSync(spool, { recursive: true });
    const ours = basename(spoolPath(spool));
    // ingest-<pid>-<life>-<uuid>.json: the same pid, another life.
    const [prefix, pid, life, ...uuid] = ours.split("-");
    const earlierLife = [prefix, pid, life === "00000000" ? "11111111" : "00000000", ...uuid].join("-");
    for (const name of [ours, earlierLife]) writeFileSync(join(spool, name), "{");
    await start(dataDir);
    expect(readdirSync(spool)).toEqual([ours]);
  });

  it("keeps another app's upload in flight when an app on the same DATA_DIR starts and closes", async () => {
    const dataDir = join(tempDir(), "data");
    const spool = join(dataDir, "ingest-spool");
    mkdirSync(spool, { recursive: true });
    const first = await start(dataDir);
    const body = JSON.stringify(tau2Results({ tasks: ["a"], sims: trials({ a: [1, 0] }) })) + " ".repeat(256 * 1024);
    let finish!: () => void;
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: first.port, method: "POST", path: "/admin/ingest?experiment=in-flight", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          let text = "";
          res.on("data", (c) => (text += c));
          res.on("end", () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, 128 * 1024));
      finish = () => req.end(body.slice(128 * 1024));
    });
    const spooled = async () => {
      for (;;) {
        const names = readdirSync(spool, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
        if (names.length > 0) return names;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const inFlight = await spooled();

    const second = await start(dataDir);
    expect(readdirSync(spool)).toEqual(inFlight);
    apps.splice(apps.indexOf(second.app), 1);
    await second.app.close();
    expect(readdirSync(spool)).toEqual(inFlight);

    finish();
    const { status, text } = await answer;
    expect(status, text).toBe(200);
    expect(readdirSync(spool)).toEqual([]);
  });
});
