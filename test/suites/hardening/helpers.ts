// What the bad-input suites share: the real service built with NODE_ENV=production (so that no answer may carry a
// stack trace), raw HTTP that can put any byte in a header or a body and copes with answers that come before the
// body is sent, and the checks every refusal must pass.
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import type { Config } from "../../../src/config.js";
import type { AppDeps } from "../../../src/server/app.js";
import { testRegistry } from "../../support/evaluators.js";
import { startService, type RunningService } from "../../support/service.js";

export interface HardenedService extends RunningService {
  dataDir: string;
}

/** The service in production mode with the protocol tests' evaluators, its own DATA_DIR and no rate limits in the way. */
export async function startHardened(
  config: Partial<Record<keyof Config, string>> = {},
  deps: AppDeps = {},
): Promise<HardenedService> {
  const dir = mkdtempSync(path.join(tmpdir(), "sema4-hardening-"));
  const dataDir = path.join(dir, "data");
  const svc = await startService({
    config: {
      NODE_ENV: "production",
      DATA_DIR: dataDir,
      SEMA4_DB_PATH: path.join(dir, "sema4_eval.db"),
      SANDBOX_MODE: "virtual",
      RATE_LIMIT_EVAL_PER_MINUTE: "100000",
      RATE_LIMIT_AGENT_PER_MINUTE: "100000",
      ...config,
    },
    deps: { registry: testRegistry(), ...deps },
  });
  // Ready as a deploy's check sees it: /readyz answers once the agent's sandbox is probed, which the service
  // otherwise leaves to the first request that needs it.
  await fetch(`${svc.base}/readyz`);
  return {
    ...svc,
    dataDir,
    async close() {
      await svc.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface RequestSpec {
  method?: string;
  headers?: Record<string, string | number>;
  /** Strings are sent as latin1, so "\xff" is the byte 0xff. */
  body?: string | Buffer;
  /** Declared but never sent: the server must answer from the headers alone. */
  contentLength?: number;
  /** A keep-alive agent whose sockets carry several requests; by default each request has its own connection. */
  agent?: http.Agent;
}

// A frame of a V8 stack trace ("    at fn (file.ts:1:2)") or a source position anywhere in a body.
const STACK = /^\s*at .+[:(]|\\n\s*at .+[:(]|\.(?:ts|js|mjs|cjs):\d+:\d+|node_modules/m;

export const hasStackTrace = (text: string): boolean => STACK.test(text);

/** Any request over a fresh connection, answered within 10 s; no answer in production mode carries a stack trace. */
export function send(svc: RunningService, path: string, spec: RequestSpec = {}): Promise<Answer> {
  const url = new URL(svc.base);
  const body = typeof spec.body === "string" ? Buffer.from(spec.body, "latin1") : spec.body;
  const headers: Record<string, string | number> = { ...(spec.agent ? {} : { connection: "close" }), ...spec.headers };
  // A chunked body has no length (both at once is a request Node refuses outright).
  if (body !== undefined && headers["transfer-encoding"] === undefined) headers["content-length"] = body.length;
  if (spec.contentLength !== undefined) headers["content-length"] = spec.contentLength;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent: spec.agent ?? false, host: url.hostname, port: url.port, method: spec.method ?? (body || spec.contentLength ? "POST" : "GET"), path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString("utf8");
          if (!spec.agent) req.destroy();
          if (hasStackTrace(text)) reject(new Error(`${path}: a stack trace in the answer: ${text.slice(0, 500)}`));
          else resolve({ status: res.statusCode!, headers: res.headers, text });
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${spec.method ?? "request"} ${path}: no answer within 10 s`));
    }, 10_000);
    // An answer that comes before the whole body went out (413, 415) may cut the upload short: not an error here.
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE" && e.code !== "ECONNRESET") reject(e);
    });
    if (spec.contentLength !== undefined) req.flushHeaders();
    else req.end(body);
  });
}

/** Bytes straight onto a socket, for what no HTTP client will send (bad header names, raw bytes in the path). */
export function sendRaw(svc: RunningService, bytes: string): Promise<Answer> {
  const url = new URL(svc.base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(Buffer.from(bytes, "latin1")));
    let out = "";
    socket.on("data", (d) => (out += d.toString("latin1")));
    socket.on("error", reject);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 10 s to ${JSON.stringify(bytes.slice(0, 60))}`));
    }, 10_000);
    socket.on("close", () => {
      clearTimeout(timer);
      const [head, ...rest] = out.split("\r\n\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head ?? "")?.[1] ?? 0);
      const text = rest.join("\r\n\r\n");
      if (hasStackTrace(text)) reject(new Error(`a stack trace in the answer: ${text.slice(0, 500)}`));
      else resolve({ status, headers: {}, text });
    });
  });
}

/** The message of any of the service's error bodies: ours, the Braintrust protocol's two, Fastify's own. */
export function messageOf(answer: Answer): string {
  const body = JSON.parse(answer.text) as { error?: string | { message?: string }; message?: string };
  if (typeof body.error === "string") return typeof body.message === "string" ? body.message : body.error;
  return body.error?.message ?? body.message ?? "";
}

/** A refusal: the status, a JSON body whose message says what is wrong. */
export function expectRefused(answer: Answer, status: number, message: RegExp): void {
  expect(answer.status, answer.text.slice(0, 300)).toBe(status);
  expect(messageOf(answer)).toMatch(message);
}

/** Still up: /healthz answers, and so does a normal request of the batch's route. */
export async function expectUnharmed(svc: RunningService, normal: () => Promise<void>): Promise<void> {
  const health = await send(svc, "/healthz");
  expect(health.status).toBe(200);
  expect(JSON.parse(health.text)).toEqual({ status: "ok" });
  await normal();
}

/** A well-formed one-case eval answers 200 with its summary. */
export async function expectEvalWorks(svc: RunningService): Promise<void> {
  const res = await send(svc, "/eval", {
    headers: { ...svc.auth, "content-type": "application/json" },
    body: JSON.stringify({ name: "peer-demo", data: { data: [{ input: "ok", expected: "OK" }] } }),
  });
  expect(res.status, res.text).toBe(200);
  expect(JSON.parse(res.text).scores.exact_match.score).toBe(1);
}

/** `[` nested `depth` times (closed, unless `open`). */
export const nested = (depth: number, open = false) => "[".repeat(depth) + (open ? "" : "]".repeat(depth));
