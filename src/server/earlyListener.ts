// The port opens before the app is built (Fastify, the evaluator modules; the braintrust SDK and the agent's
// sandbox wait for the first request that needs them). Meanwhile liveness answers at once (what Modal's web_server
// and Fly's checks wait for), and every other request waits on its connection for the app instead of being refused; /readyz says "starting".
import http from "node:http";
import { corsHeaders, makeOriginCheck } from "./devserver/cors.js";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface EarlyListener {
  readonly server: http.Server;
  /** For Fastify's serverFactory: the app takes over this server instead of creating one. */
  factory: (handler: Handler) => http.Server;
  /** The app is ready: waiting requests, and all later ones, go to it. */
  serve(): void;
  /** The app could not start: waiting requests get a 503, the port closes. */
  fail(): Promise<void>;
}

export async function listenEarly(options: {
  port: number;
  host: string;
  extraOrigins: (string | undefined)[];
  /** Node's defaults unless given (tests shorten them to see them work). */
  serverOptions?: Pick<http.ServerOptions, "headersTimeout" | "connectionsCheckingInterval">;
}): Promise<EarlyListener> {
  const isAllowed = makeOriginCheck(options.extraOrigins);
  const waiting: [http.IncomingMessage, http.ServerResponse][] = [];
  let appHandler: Handler | undefined;
  let live: Handler | undefined;

  const booting: Handler = (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const method = req.method ?? "GET";
    if ((method === "GET" || method === "HEAD") && (path === "/healthz" || path === "/readyz" || path === "/")) {
      const origin = req.headers.origin;
      const cors = origin === undefined || isAllowed(origin) ? corsHeaders(origin, false) : {};
      const [status, type, body] =
        path === "/"
          ? [200, "text/html; charset=utf-8", "Hello, world!"]
          : path === "/healthz"
            ? [200, "application/json; charset=utf-8", '{"status":"ok"}']
            : [503, "application/json; charset=utf-8", '{"status":"starting"}'];
      res.writeHead(status, { ...cors, "content-type": type, "content-length": Buffer.byteLength(body) });
      res.end(method === "HEAD" ? undefined : body);
      return;
    }
    waiting.push([req, res]);
  };

  // Fastify applies its requestTimeout: 0 only to a server it creates; Node's default (300 s for a whole request)
  // would cut a long upload, and an ingest's event stream while its upload still arrives. headersTimeout keeps
  // Node's 60 s, given explicitly: left out, Node derives it from requestTimeout, and 0 would let a client that
  // never finishes its headers hold its connection for ever.
  const server = http.createServer(
    { headersTimeout: 60_000, ...options.serverOptions, requestTimeout: 0 },
    (req, res) => (live ?? booting)(req, res),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  return {
    server,
    factory(handler) {
      appHandler = handler;
      return server;
    },
    serve() {
      if (!appHandler) throw new Error("the app was not built on this listener");
      live = appHandler;
      for (const [req, res] of waiting.splice(0)) appHandler(req, res);
    },
    async fail() {
      for (const [, res] of waiting.splice(0)) {
        res.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": "10" });
        res.end('{"error":{"code":"NOT_CONFIGURED","message":"the service could not start","status":503}}');
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
