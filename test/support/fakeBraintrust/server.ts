// The fake's HTTP server on a loopback port: reads each request (gunzipped, JSON when it parses), records it,
// lets the injected faults act on it, and answers with the routes' JSON.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import type { Faults } from "./faults.js";
import { HttpError } from "./httpError.js";
import { answer, type InvokeBody } from "./routes/index.js";
import type { FakeStore } from "./store.js";

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (gunzipped if needed); the raw text when it is not JSON; null when empty. */
  body: unknown;
  /** 0 when the fake dropped the connection. */
  status: number;
  /** Epoch milliseconds when the request arrived. */
  time: number;
}

export interface FakeServer {
  /** Known once it listens. */
  readonly url: string;
  readonly calls: RecordedCall[];
  listen(): Promise<void>;
  close(): Promise<void>;
}

export function createFakeServer(deps: {
  store: FakeStore;
  faults: Faults;
  /** The AI proxy login reports; by default the server's own URL. */
  proxyUrl?: string;
  invoke: (body: InvokeBody) => unknown;
}): FakeServer {
  const calls: RecordedCall[] = [];
  let url = "";

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let raw = Buffer.concat(chunks);
    if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
    const text = raw.toString("utf8");
    let body: unknown = null;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const parsed = new URL(req.url ?? "/", url);
    const path = parsed.pathname.replace(/\/+$/, "") || "/";
    const call: RecordedCall = {
      method: req.method ?? "GET",
      path,
      query: Object.fromEntries(parsed.searchParams),
      headers: req.headers,
      body,
      status: 0,
      time: Date.now(),
    };
    calls.push(call);

    const fault = await deps.faults.intercept(path);
    if (fault?.kind === "drop") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "fail") {
      send(res, call, fault.status, fault.body);
      return;
    }
    try {
      const auth = req.headers.authorization;
      const token = auth?.startsWith("Bearer ") ? auth.slice("Bearer ".length) : undefined;
      const env = { store: deps.store, url, proxyUrl: deps.proxyUrl ?? url, invoke: deps.invoke };
      send(res, call, 200, answer({ method: call.method, path, query: call.query, body, token }, env));
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      send(res, call, status, { error: e instanceof Error ? e.message : String(e) });
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: String(e) }));
    });
  });

  return {
    get url() {
      if (!url) throw new Error("the fake Braintrust API is not listening yet: use it in a hook or a test");
      return url;
    },
    calls,
    listen: async () => {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

function send(res: ServerResponse, call: RecordedCall, status: number, payload: unknown): void {
  call.status = status;
  const text = JSON.stringify(payload ?? null);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
