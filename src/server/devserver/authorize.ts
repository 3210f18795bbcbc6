// Who is calling: the caller's own Braintrust token and org (docs/devserver-protocol.md §5). Every Braintrust call
// made for a dev-server request uses that caller's login, never a key of the service's.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Caller } from "../../evals/runtime/request.js";
import { AppError, isAppError } from "../../errors.js";
import { callerId, type BraintrustLogin, type BraintrustSessions } from "../../braintrust/sessions.js";

declare module "fastify" {
  interface FastifyRequest {
    btToken?: string;
    caller?: Caller;
  }
}

// "Unauthorized" first, as the reference says it; then what to send.
const HOW_TO_AUTHENTICATE =
  "send a Braintrust API key of your org as x-bt-auth-token (or Authorization: Bearer <key>) and the org's name as x-bt-org-name";

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The token from `x-bt-auth-token`, else from `Authorization: <scheme> <token>` (the scheme is not checked, as in
 * `braintrust eval --dev`). `null` (any case) means no token. A malformed Authorization header is a 400 on every
 * route.
 */
function parseToken(headers: FastifyRequest["headers"]): string | undefined {
  const btToken = firstHeader(headers["x-bt-auth-token"]);
  const authorization = headers.authorization;
  if (!btToken && !authorization) return undefined;
  let token = btToken;
  if (!token) {
    const parts = (authorization ?? "").split(" ");
    token = parts.length === 2 ? parts[1] : undefined;
  }
  if (!token) throw new AppError("BAD_REQUEST", "Invalid authorization token format: send Authorization: Bearer <your Braintrust API key> (two words), or x-bt-auth-token: <key>");
  return token.toLowerCase() === "null" ? undefined : token;
}

export async function parseTokenHook(request: FastifyRequest): Promise<void> {
  request.btToken = parseToken(request.headers);
}

export function makeCheckAuthorized(sessions: BraintrustSessions, allowedOrg: string | undefined) {
  return async function checkAuthorized(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const token = request.btToken;
    if (!token) throw new AppError("UNAUTHORIZED", `Unauthorized: ${HOW_TO_AUTHENTICATE}`);
    const orgName = firstHeader(request.headers["x-bt-org-name"]);
    if (!orgName) throw new AppError("BAD_REQUEST", "Missing x-bt-org-name header: send the name of your Braintrust org as x-bt-org-name");
    if (allowedOrg && orgName !== allowedOrg) {
      throw new AppError("FORBIDDEN", `Org '${orgName}' is not allowed. Only org '${allowedOrg}' is allowed.`);
    }
    let login: BraintrustLogin;
    try {
      login = await sessions.login(token, orgName, request.ip);
    } catch (err) {
      if (isAppError(err)) throw err; // too many failed logins from this address: a 429 with Retry-After
      request.log.warn({ err: { message: (err as Error)?.message } }, "Braintrust login refused");
      throw new AppError(
        "UNAUTHORIZED",
        `Unauthorized: the Braintrust login of this token for org '${orgName}' failed; ${HOW_TO_AUTHENTICATE}`,
      );
    }
    const projectId = firstHeader(request.headers["x-bt-project-id"]);
    request.caller = { id: callerId(login, token), login, token, orgName, ...(projectId ? { projectId } : {}) };
  };
}
