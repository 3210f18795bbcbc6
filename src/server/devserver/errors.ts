// The Braintrust dev-server protocol's error shapes (docs/devserver-protocol.md §13), which its clients match:
// {"error":{"message","status"}} for auth and transport errors, {"error":{"message":"Invalid request: …",
// "errors":[…]}} for a body that fails its schema, and a flat {"error":"…"} for an unknown evaluator or a bad
// parameter value. The messages start as the reference's do, then say what was wrong and what to send.
import type { FastifyRequest } from "fastify";
import { ZodError } from "zod";
import { messageOf, type AppError } from "../../errors.js";

/** A body that is no JSON object: missing, not one, or of a type not read (it reaches the route as no body, §8.1). */
function notAnObjectMessage(request: FastifyRequest): string {
  const type = request.headers["content-type"];
  const sent = type === undefined || /^application\/json\b/i.test(type) ? "" : ` (a ${JSON.stringify(type.slice(0, 100))} body is not read)`;
  return `Invalid request: send a JSON object with content-type: application/json and at least "name" and "data"${sent}`;
}

const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);

export function braintrustErrorBody(err: AppError, request: FastifyRequest): unknown {
  if (err.code === "EVALUATOR_NOT_FOUND" || err.code === "INVALID_PARAMETER") return { error: err.message };
  if (err.cause instanceof ZodError) {
    const message = isObject(request.body) ? err.message : notAnObjectMessage(request);
    return { error: { message, errors: err.cause.issues } };
  }
  return { error: { message: err.message, status: err.statusCode } };
}

/**
 * A failed run, as the `error` event's data and the `error` of a non-streaming 500. `braintrust eval --dev` sent `{}`
 * for ordinary errors; this keeps the message and HTTP details (docs/devserver-protocol.md §11.7). It goes out
 * through the run's redactor: what Braintrust or a model endpoint answered may quote a key.
 */
export function evalFailure(e: unknown): Record<string, unknown> {
  const http = e as { status?: unknown; text?: unknown; data?: unknown };
  return {
    message: messageOf(e),
    ...(typeof http?.status === "number" ? { status: http.status, text: http.text, data: http.data } : {}),
  };
}
