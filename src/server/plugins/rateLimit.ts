// Per-caller rate limits for the routes that spend compute and credits (/eval, /agent). They run after
// authentication and are keyed on who authenticated (a Braintrust login's org and key, or the operator), so
// another spelling of the same credential is the same caller; an unauthenticated request is keyed by address.
import type { FastifyInstance, FastifyRequest } from "fastify";
import rateLimit from "@fastify/rate-limit";
import fp from "fastify-plugin";

function callerKey(request: FastifyRequest): string {
  if (request.caller) return `c:${request.caller.id}`;
  if (request.operatorId) return `o:${request.operatorId}`;
  return `ip:${request.ip}`;
}

/** A hook that allows `max` requests per minute per caller; it goes after the route's authentication. */
export const perMinute = (app: FastifyInstance, max: number) => app.rateLimit({ max, timeWindow: 60_000, keyGenerator: callerKey });

export const rateLimitPlugin = fp(async (app) => {
  await app.register(rateLimit, { global: false });
});
