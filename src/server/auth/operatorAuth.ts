// Who may use the operator routes (/admin/*, /agent, /experiments): these spend the owner's model credits and
// read and write the owner's store. ADMIN_TOKEN (Bearer), or a Braintrust API key whose login resolves to
// BRAINTRUST_ORG_NAME; with neither configured, loopback clients only. Pages of other sites are refused first,
// whatever the credential (browserGuard).
import { timingSafeEqual, createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { AppError, isAppError } from "../../errors.js";
import { callerId, type BraintrustSessions } from "../../braintrust/sessions.js";
import { makeBrowserGuard } from "./browserGuard.js";

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

const isLoopback = (address: string | undefined): boolean => !!address && LOOPBACK.test(address);

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

/** Sets request.operatorId (the key of the operator's rate limits) when the request may pass; throws otherwise. */
export function makeOperatorAuth(options: OperatorAuthOptions) {
  const open = !options.adminToken && !options.orgName;
  const browserGuard = makeBrowserGuard({ loopbackOnly: open, publicHostnames: options.publicHostnames });
  return async function operatorAuth(request: FastifyRequest): Promise<void> {
    browserGuard(request);
    if (open) {
      if (isLoopback(request.socket.remoteAddress)) {
        request.operatorId = "loopback";
        return;
      }
      throw new AppError(
        "FORBIDDEN",
        "This route serves loopback clients only until ADMIN_TOKEN or BRAINTRUST_ORG_NAME is set on the server",
      );
    }
    const token = bearer(request);
    if (!token) throw new AppError("UNAUTHORIZED", "Send Authorization: Bearer <ADMIN_TOKEN or Braintrust API key>");
    if (options.adminToken && sameSecret(token, options.adminToken)) {
      request.operatorId = "admin";
      return;
    }
    if (options.orgName) {
      try {
        request.operatorId = callerId(await options.sessions.login(token, options.orgName, request.ip), token);
        return;
      } catch (err) {
        if (isAppError(err)) throw err; // too many failed logins from this address: a 429 with Retry-After
        // otherwise falls through to the refusal below, without saying which check failed
      }
    }
    throw new AppError("UNAUTHORIZED", "Invalid token");
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
