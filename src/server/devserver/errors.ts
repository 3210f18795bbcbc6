// The Braintrust dev-server protocol's error shapes (docs/devserver-protocol.md §13), which its clients match byte
// for byte: {"error":{"message","status"}} for auth and transport errors, {"error":{"message":"Invalid request",
// "errors":[…]}} for a body that fails its schema, and a flat {"error":"…"} for an unknown evaluator or a bad
// parameter value.
import { ZodError } from "zod";
import { messageOf, type AppError } from "../../errors.js";

export function braintrustErrorBody(err: AppError): unknown {
  if (err.code === "EVALUATOR_NOT_FOUND" || err.code === "INVALID_PARAMETER") return { error: err.message };
  if (err.cause instanceof ZodError) return { error: { message: "Invalid request", errors: err.cause.issues } };
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
