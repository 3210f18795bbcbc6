// Who may use the operator routes (/admin/*, /agent, /experiments): these spend the owner's model credits and
// read and write the owner's store. ADMIN_TOKEN (Bearer), or a Braintrust API key whose login resolves to
// BRAINTRUST_ORG_NAME; with neither configured, loopback clients only. Pages of other sites are refused first,
// whatever the credential (browserGuard).
import { timingSafeEqual, createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { AppError, isAppError } from "../../errors.js";
import { callerId, type BraintrustSessions } from "../../braintrust/sessions.js";
import { makeBrowserGuard } from "./browserGuard.js";
import { cookieValue, SESSION_COOKIE, type ViewerSessions } from "./viewerSessions.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Who passed operator auth: "admin", "loopback", or the callerId of a Braintrust key. */
    operatorId?: string;
  }
}

export interface OperatorAuthOptions {
  adminToken?: string;
  /** BRAINTRUST_ORG_NAME: a caller's Braintrust key is accepted when it logs in to this org. */
  orgName?: string;
  /** PUBLIC_HOSTNAMES: see makeBrowserGuard. */
  publicHostnames?: string[];
  sessions: BraintrustSessions;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export const isLoopback = (address: string | undefined): boolean => !!address && LOOPBACK.test(address);

/** Compares digests so neither the length nor the content of the secret leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** How a request proves it is the operator's, for the routes that check it themselves (the viewer's pages). */
export interface OperatorCheck {
  /** Neither ADMIN_TOKEN nor BRAINTRUST_ORG_NAME: loopback clients only, and no sign-in. */
  readonly open: boolean;
  /** The browser guard; `navigation` also lets a top-level GET from another site's link through (a page, not data). */
  guard(request: FastifyRequest, options?: { navigation?: boolean }): void;
  /** The operator a token stands for (ADMIN_TOKEN, or a Braintrust key of the org); undefined when it stands for none. */
  tokenOperator(token: string, request: FastifyRequest): Promise<string | undefined>;
  /**
   * The operator behind a request: loopback (open mode), a Bearer token, or a live viewer session's cookie when
   * sessions are given. Undefined when it has none of them; throws when open mode refuses the address.
   */
  identify(request: FastifyRequest): Promise<string | undefined>;
}

export function makeOperatorCheck(options: OperatorAuthOptions & { viewerSessions?: ViewerSessions }): OperatorCheck {
  const open = !options.adminToken && !options.orgName;
  const browserGuard = makeBrowserGuard({ loopbackOnly: open, publicHostnames: options.publicHostnames });
  const tokenOperator = async (token: string, request: FastifyRequest): Promise<string | undefined> => {
    if (options.adminToken && sameSecret(token, options.adminToken)) return "admin";
    if (options.orgName) {
      try {
        return callerId(await options.sessions.login(token, options.orgName, request.ip), token);
      } catch (err) {
        if (isAppError(err)) throw err; // too many failed logins from this address: a 429 with Retry-After
        // otherwise it stands for no one, without saying which check failed
      }
    }
    return undefined;
  };
  return {
    open,
    guard: (request, guardOptions) => browserGuard(request, guardOptions),
    tokenOperator,
    async identify(request) {
      if (open) {
        if (isLoopback(request.socket.remoteAddress)) return "loopback";
        throw new AppError(
          "FORBIDDEN",
          "This route serves loopback clients only until ADMIN_TOKEN or BRAINTRUST_ORG_NAME is set on the server",
        );
      }
      const token = bearer(request);
      if (token) {
        const operator = await tokenOperator(token, request);
        if (operator) return operator;
        throw new AppError("UNAUTHORIZED", "Invalid token");
      }
      return options.viewerSessions?.check(cookieValue(request.headers.cookie, SESSION_COOKIE));
    },
  };
}

/**
 * Sets request.operatorId (the key of the operator's rate limits) when the request may pass; throws otherwise.
 * With `viewerSessions`, a signed-in browser's session cookie passes too (the viewer's API, /experiments).
 */
export function makeOperatorAuth(options: OperatorAuthOptions & { viewerSessions?: ViewerSessions }) {
  const check = makeOperatorCheck(options);
  const missing = options.viewerSessions
    ? "Send Authorization: Bearer <ADMIN_TOKEN or Braintrust API key>, or sign in at /ui/sign-in"
    : "Send Authorization: Bearer <ADMIN_TOKEN or Braintrust API key>";
  return async function operatorAuth(request: FastifyRequest): Promise<void> {
    check.guard(request);
    const operator = await check.identify(request);
    if (!operator) throw new AppError("UNAUTHORIZED", missing);
    request.operatorId = operator;
  };
}

/** The operator routes are loopback-only when nothing else is configured; on a public address, say so loudly. */
export function warnIfLoopbackOnly(
  options: { adminToken?: string; orgName?: string; host: string },
  warn: (message: string) => void,
): void {
  if (options.adminToken || options.orgName || isLoopback(options.host) || options.host === "localhost") return;
  warn(
    `listening on ${options.host} with neither ADMIN_TOKEN nor BRAINTRUST_ORG_NAME set: /admin/*, /agent and /experiments serve loopback clients only`,
  );
}
