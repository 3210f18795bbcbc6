// Node's HTTP timeouts on the server main.ts opens (the early listener) and hands to Fastify as its serverFactory.
// Fastify applies its requestTimeout only to a server it creates itself, so Node's default (300 s for a whole
// request) would cut a long upload, and an ingest's event stream while its upload still arrives. headersTimeout
// stays: a client that never finishes its headers is still cut. Built in-process as main.ts builds it, with a short
// headersTimeout and check interval so that the behaviour shows in seconds.
import { mkdtempSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { testConfig } from "../../src/config.js";
import { buildApp } from "../../src/server/app.js";
import { listenEarly, type EarlyListener } from "../../src/server/earlyListener.js";
import { tau2Results, trials } from "../support/ingestFixtures.js";
import { parseSse } from "../support/service.js";

const running: { early: EarlyListener; app: FastifyInstance }[] = [];
afterEach(async () => {
  for (const { early, app } of running.splice(0)) {
    early.server.closeAllConnections();
    await new Promise((resolve) => early.server.close(resolve));
    await app.close();
  }
});

async function startAsMainDoes(serverOptions?: { headersTimeout: number; connectionsCheckingInterval: number }) {
  const early = await listenEarly({ port: 0, host: "127.0.0.1", extraOrigins: [], serverOptions });
  const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "sema4-timeouts-")), "data");
  const app = await buildApp(testConfig({ DATA_DIR: dataDir, SANDBOX_MODE: "virtual" }), { serverFactory: early.factory });
  await app.ready();
  early.serve();
  running.push({ early, app });
  return { early, port: (early.server.address() as net.AddressInfo).port };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the server main.ts listens on", () => {
  it("has no limit on the time a request takes, and keeps Node's limit on the time its headers take", async () => {
    const { early } = await startAsMainDoes();
    expect(early.server.requestTimeout).toBe(0);
    expect(early.server.headersTimeout).toBe(60_000);
  });

  it("cuts headers that trickle past headersTimeout, but not an upload whose body trickles far longer, nor its event stream", async () => {
    const { port } = await startAsMainDoes({ headersTimeout: 300, connectionsCheckingInterval: 50 });

    // Headers that never end: answered 408 and closed once headersTimeout has passed.
    const cut = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => socket.write("POST /admin/ingest HTTP/1.1\r\nHost: localhost\r\n"));
      let answer = "";
      socket.on("data", (d) => (answer += d.toString("latin1")));
      socket.on("close", () => resolve(answer));
      socket.on("error", reject);
    });
    expect(cut).toMatch(/^HTTP\/1\.1 408 /);

    // The body of an ingest in ten pieces, 200 ms apart: seven times headersTimeout from its first byte to its last.
    const body = Buffer.from(JSON.stringify(tau2Results({ tasks: ["a", "b"], sims: trials({ a: [1, 0], b: [1, 1] }) }), null, 2));
    const pieces = Array.from({ length: 10 }, (_, i) => body.subarray((i * body.length) / 10, ((i + 1) * body.length) / 10));
    let text = "";
    let sawProgress!: () => void;
    const progressSeen = new Promise<void>((r) => (sawProgress = r));
    const answered = new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/admin/ingest?experiment=trickled",
          headers: { "content-type": "application/json", accept: "text/event-stream", "content-length": body.length },
        },
        (res) => {
          res.on("data", (d: Buffer) => {
            text += d.toString("utf8");
            if (text.includes("event: progress")) sawProgress();
          });
          res.on("end", () => resolve(res.statusCode!));
        },
      );
      req.on("error", reject);
      void (async () => {
        req.write(pieces[0]);
        // The stream is live while the upload is still arriving.
        await progressSeen;
        for (const piece of pieces.slice(1)) {
          await pause(200);
          req.write(piece);
        }
        req.end();
      })();
    });
    expect(await answered).toBe(200);
    const events = parseSse(text);
    expect(events.at(-1)!.event).toBe("result");
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ experiments: [{ name: "trickled", simulations: 4 }] });
  });
});
