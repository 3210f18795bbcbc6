// CORS and Private Network Access exactly as Braintrust's dev server answers them (docs/devserver-protocol.md §4),
// for every path: the Playground calls this service from the browser, so its preflights must succeed before any auth.
import fp from "fastify-plugin";
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from "fastify";

const BRAINTRUST_ORIGINS = ["https://www.braintrust.dev", "https://www.braintrustdata.com"];
const PREVIEW_ORIGIN = /^https:\/\/[^/]+\.preview\.braintrust\.dev$/;

export const ALLOWED_HEADERS = [
  "Content-Type",
  "X-Amz-Date",
  "Authorization",
  "X-Api-Key",
  "X-Amz-Security-Token",
  "x-bt-auth-token",
  "x-bt-parent",
  "x-bt-org-name",
  "x-bt-project-id",
  "x-bt-stream-fmt",
  "x-bt-use-cache",
  "x-stainless-os",
  "x-stainless-lang",
  "x-stainless-package-version",
  "x-stainless-runtime",
  "x-stainless-runtime-version",
  "x-stainless-arch",
  "x-bt-use-gateway",
].join(",");
export const EXPOSED_HEADERS = "x-bt-cursor,x-bt-found-existing,x-bt-span-id,x-bt-span-export";
const ALLOWED_METHODS = "GET,PATCH,POST,PUT,DELETE,OPTIONS";
const ROUTE_METHODS: HTTPMethods[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

export interface CorsOptions {
  /** BRAINTRUST_APP_URL and WHITELISTED_ORIGIN: extra origins compared byte for byte. */
  extraOrigins: (string | undefined)[];
}

export function makeOriginCheck(extraOrigins: (string | undefined)[]): (origin: string) => boolean {
  const exact = new Set([...BRAINTRUST_ORIGINS, ...extraOrigins.filter((o): o is string => !!o)]);
  return (origin) => exact.has(origin) || PREVIEW_ORIGIN.test(origin);
}

/** The CORS headers of a request from an allowed origin (or none), in the order `braintrust eval --dev` sends them. */
export function corsHeaders(origin: string | undefined, preflight: boolean): Record<string, string> {
  return {
    ...(origin !== undefined ? { "access-control-allow-origin": origin } : {}),
    vary: "Origin",
    "access-control-allow-credentials": "true",
    ...(preflight
      ? {
          "access-control-allow-methods": ALLOWED_METHODS,
          "access-control-allow-headers": ALLOWED_HEADERS,
          "access-control-max-age": "86400",
        }
      : {}),
    "access-control-expose-headers": EXPOSED_HEADERS,
  };
}

async function cors(app: FastifyInstance, opts: CorsOptions): Promise<void> {
  const isAllowed = makeOriginCheck(opts.extraOrigins);

  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    // Chrome's Private Network Access asks before a public page may call a private address; answered for any origin.
    if (request.headers["access-control-request-private-network"] !== undefined) {
      reply.header("access-control-allow-private-network", "true");
    }
    const origin = request.headers.origin;
    const allowed = origin === undefined || isAllowed(origin);
    const preflight = request.method === "OPTIONS";

    if (!allowed) {
      // A disallowed origin gets no CORS headers: the browser blocks it. Its preflight gets what Express
      // answers on its own, the methods the path serves.
      if (!preflight) return;
      const url = request.url.split("?")[0] ?? "/";
      const methods = ROUTE_METHODS.filter((method) => app.hasRoute({ method, url }));
      if (methods.length === 0) return; // falls through to the 404 handler
      return reply.status(200).header("allow", methods.join(", ")).type("text/plain").send(methods.join(", "));
    }

    reply.headers(corsHeaders(origin, preflight));
    if (preflight) return reply.status(204).header("content-length", "0").send();
  });
}

export const corsPlugin = fp(cors, { name: "sema4-cors" });
