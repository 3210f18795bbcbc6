// The viewer's pages under /ui/: the built single-page app from `webDir` (index.html for every page path, so deep
// links load), the sign-in form and sign-out. Pages are operator routes: in loopback-only mode they serve loopback
// clients and need no sign-in; otherwise a browser without a session is sent to /ui/sign-in, which takes the token
// once (ADMIN_TOKEN, or a Braintrust key of BRAINTRUST_ORG_NAME) and sets an HttpOnly, SameSite=Strict session cookie.
import { existsSync, statSync } from "node:fs";
import { extname, join, relative, resolve, sep } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError } from "../../errors.js";
import { viewerLinks } from "../../viewer/links.js";
import type { OperatorCheck } from "../auth/operatorAuth.js";
import { clearedSessionCookie, cookieValue, SESSION_COOKIE, sessionCookie, type ViewerSessions } from "../auth/viewerSessions.js";
import type { ZodRoutes } from "../http/zodSchemas.js";
import { notBuiltPage, reloadPage, signInPage } from "./html.js";

export interface PageRoutesOptions {
  /** The built pages (dist/web): index.html and its assets. */
  webDir: string;
  check: OperatorCheck;
  sessions: ViewerSessions;
  /** BRAINTRUST_ORG_NAME, named on the sign-in form. */
  orgName?: string;
  /** Sign-in attempts per minute per client address. */
  signInsPerMinute: number;
}

const signInBody = z.object({ token: z.string().max(4096).default(""), next: z.string().max(2048).default(viewerLinks.experiments()) });
const signInQuery = z.object({ next: z.string().max(2048).optional() });

/** Only a page of the viewer: never another site, nor a path that leaves /ui/. */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith("/ui/") || next.startsWith("//") || /[\\\s]/.test(next)) return viewerLinks.experiments();
  return next;
}

/**
 * Whether the request reached us over TLS, as the browser saw it: a TLS socket, a proxy's X-Forwarded-Proto, or the
 * page's own https Origin. A client that claims https when it is not only makes its own cookie unusable.
 */
function isHttps(request: FastifyRequest): boolean {
  const forwarded = String(request.headers["x-forwarded-proto"] ?? "").split(",")[0]!.trim().toLowerCase();
  return request.protocol === "https" || forwarded === "https" || (request.headers.origin ?? "").startsWith("https://");
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .status(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .send(body);
}

export const pageRoutes: ZodRoutes<PageRoutesOptions> = async (app, opts) => {
  const webDir = resolve(opts.webDir);
  await app.register(fastifyStatic, { root: webDir, serve: false });
  // The sign-in form posts application/x-www-form-urlencoded; only these routes parse it.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 8 * 1024 }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  // No page of ours may be framed by another site's (clickjacking a sign-in or sign-out button).
  app.addHook("onSend", async (_request, reply) => {
    reply.header("x-frame-options", "DENY").header("content-security-policy", "frame-ancestors 'none'");
  });

  app.get("/ui", async (_request, reply) => reply.redirect(viewerLinks.experiments()));

  app.get("/ui/sign-in", { schema: { querystring: signInQuery } }, async (request, reply) => {
    opts.check.guard(request, { navigation: true });
    if (opts.check.open) return reply.redirect(safeNext(request.query.next));
    return html(reply, 200, signInPage({ next: safeNext(request.query.next), orgName: opts.orgName }));
  });

  app.post(
    "/ui/sign-in",
    {
      onRequest: app.rateLimit({ max: opts.signInsPerMinute, timeWindow: 60_000, keyGenerator: (r) => `sign-in:${r.ip}` }),
      schema: { body: signInBody },
    },
    async (request, reply) => {
      // A sign-in posted by another site's page (login CSRF) is refused like any cross-site operator request.
      opts.check.guard(request);
      const next = safeNext(request.body.next);
      if (opts.check.open) return reply.redirect(next, 303);
      const token = request.body.token.trim();
      const operator = token ? await opts.check.tokenOperator(token, request) : undefined;
      if (!operator) {
        request.log.info({ code: "UNAUTHORIZED" }, "viewer sign-in refused");
        return html(reply, 401, signInPage({ next, orgName: opts.orgName, error: token ? "That token is not accepted." : "Paste a token." }));
      }
      const session = opts.sessions.create(operator);
      reply.header("set-cookie", sessionCookie(session, { maxAgeSeconds: Math.floor(opts.sessions.ttlMs / 1000), secure: isHttps(request) }));
      return reply.redirect(next, 303);
    },
  );

  app.post("/ui/sign-out", async (request, reply) => {
    opts.check.guard(request);
    opts.sessions.delete(cookieValue(request.headers.cookie, SESSION_COOKIE));
    reply.header("set-cookie", clearedSessionCookie(isHttps(request)));
    return reply.redirect(opts.check.open ? viewerLinks.experiments() : viewerLinks.signIn(), 303);
  });

  app.get("/ui/*", async (request, reply) => {
    opts.check.guard(request, { navigation: true });
    const operator = await opts.check.identify(request);
    if (!operator) {
      // Another site's link carries no SameSite=Strict cookie; a reload from here does.
      if (request.headers["sec-fetch-site"] === "cross-site") return html(reply, 200, reloadPage());
      return reply.redirect(`${viewerLinks.signIn()}?next=${encodeURIComponent(request.url)}`, 303);
    }
    if (!existsSync(join(webDir, "index.html"))) return html(reply, 503, notBuiltPage(webDir));
    const wanted = (request.params as { "*": string })["*"].split("?")[0]!;
    const file = fileUnder(webDir, wanted);
    if (file) {
      // Vite names its assets by their content: they never change under the same name.
      const immutable = file.split(sep)[0] === "assets";
      return reply.sendFile(file, { maxAge: immutable ? 365 * 24 * 3600 * 1000 : 0, immutable, cacheControl: true });
    }
    if (extname(wanted) !== "") throw new AppError("NOT_FOUND", `Cannot GET ${request.url.split("?")[0]}`);
    reply.header("cache-control", "no-cache");
    return reply.sendFile("index.html", { cacheControl: false });
  });
};

/** The file a page path names inside `root`, if it is a regular file there (never outside it, never a dotfile). */
function fileUnder(root: string, wanted: string): string | undefined {
  if (wanted === "" || wanted.split("/").some((part) => part.startsWith("."))) return undefined;
  const path = resolve(root, wanted);
  const rel = relative(root, path);
  if (rel.startsWith("..") || rel === "") return undefined;
  try {
    return statSync(path).isFile() ? rel : undefined;
  } catch {
    return undefined;
  }
}
