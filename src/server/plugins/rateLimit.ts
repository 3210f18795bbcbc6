// Per-caller rate limits for the routes that spend compute and credits (/eval, /agent), keyed by the caller's
// token (hashed: the limiter's store never holds a secret), else by address.
import { createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import rateLimit from "@fastify/rate-limit";
import fp from "fastify-plugin";

export function callerKey(request: FastifyRequest): string {
  const token = request.headers["x-bt-auth-token"] ?? request.headers.authorization;
  const value = Array.isArray(token) ? token[0] : token;
  return value ? `t:${createHash("sha256").update(value).digest("base64url").slice(0, 22)}` : `ip:${request.ip}`;
}

/** Route config for a limit of `max` requests per minute per caller. */
export const perMinute = (max: number) => ({ max, timeWindow: 60_000, keyGenerator: callerKey });

export const rateLimitPlugin = fp(async (app) => {
  await app.register(rateLimit, { global: false });
});
