// The log line of a refused request: one `msg` (what happened), the error's code and message under keys of their
// own. A second `msg` key would make JSON readers keep one of the two and lose the other.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { buildApp } from "../../src/server/app.js";
import { testRegistry } from "../support/evaluators.js";

let dataDir: string;
let app: FastifyInstance;
const lines: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "sema4-request-log-"));
  const config = testConfig({ DATA_DIR: dataDir, LOG_LEVEL: "info", ADMIN_TOKEN: "request-log-admin" });
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  app = await buildApp(config, { logger: createLogger(config, sink), registry: testRegistry() });
});
afterAll(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The lines logged with `msg` during `act`. */
async function logged(msg: string, act: () => Promise<unknown>): Promise<string[]> {
  const from = lines.length;
  await act();
  return lines.slice(from).filter((line) => line.includes(`"msg":"${msg}"`));
}

const msgKeys = (line: string) => line.match(/"msg":/g)?.length ?? 0;

describe("the log line of a refused request", () => {
  it("has one msg, and the error's code and message under their own keys, on the dev-server routes and the others", async () => {
    const refusals: [() => Promise<unknown>, { code: string; error: string }][] = [
      [() => app.inject({ method: "GET", url: "/list" }), { code: "UNAUTHORIZED", error: expect.stringMatching(/^Unauthorized: send a Braintrust API key/) }],
      [
        () => app.inject({ method: "POST", url: "/admin/push-dataset" }),
        { code: "UNAUTHORIZED", error: "Send Authorization: Bearer <ADMIN_TOKEN or Braintrust API key>" },
      ],
    ];
    for (const [refuse, fields] of refusals) {
      const [line, ...more] = await logged("request rejected", refuse);
      expect(more).toEqual([]);
      expect(msgKeys(line), line).toBe(1);
      expect(JSON.parse(line)).toMatchObject({ ...fields, msg: "request rejected" });
    }
  });

  it("is the same for an ingest whose event stream ends in an error", async () => {
    const [line, ...more] = await logged("ingest failed", () =>
      app.inject({
        method: "POST",
        url: "/admin/ingest",
        headers: { authorization: "Bearer request-log-admin", "content-type": "application/json", accept: "text/event-stream" },
        payload: '{"simulations": [',
      }),
    );
    expect(more).toEqual([]);
    expect(msgKeys(line), line).toBe(1);
    expect(JSON.parse(line)).toMatchObject({ code: "BAD_REQUEST", error: expect.stringMatching(/^request body: invalid JSON/), msg: "ingest failed" });
  });
});
