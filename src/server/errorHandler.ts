// The one place where errors become HTTP responses.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ZodError } from "zod";
import { AppError, isAppError } from "../errors.js";
import type { SecretRedactor } from "../lib/secretRedactor.js";

interface ErrorBody {
  error: { code?: string; message: string; status: number; details?: unknown } | string;
}

/** The body of an error response or SSE error event, through the service's redactor like everything that leaves. */
export function renderError(err: AppError, redactor: SecretRedactor): ErrorBody {
  return redactor.value(errorBody(err));
}

function errorBody(err: AppError): ErrorBody {
  if (err.wire === "braintrust-flat") return { error: err.message };
  if (err.wire === "braintrust") {
    // The reference reports a body that fails its schema as {message, errors} and everything else as {message, status}.
    return err.details === undefined
      ? { error: { message: err.message, status: err.statusCode } }
      : ({ error: { message: err.message, errors: err.details } } as unknown as ErrorBody);
  }
  return {
    error: {
      code: err.code,
      message: err.message,
      status: err.statusCode,
      ...(err.details === undefined ? {} : { details: err.details }),
    },
  };
}

/** Turns whatever was thrown into an AppError, keeping Fastify's own 4xx (body parsing, limits) as such. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (err instanceof ZodError) {
    // The message names each field and what is wrong with it; `details` keeps zod's issues for programs.
    const reasons = err.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message));
    return new AppError("VALIDATION_FAILED", `Invalid request: ${reasons.join("; ")}`, { details: err.issues });
  }
  const fe = err as FastifyError;
  const status = typeof fe?.statusCode === "number" ? fe.statusCode : 500;
  if (status === 413) return new AppError("PAYLOAD_TOO_LARGE", fe.message);
  if (status === 415) return new AppError("UNSUPPORTED_MEDIA_TYPE", fe.message);
  if (status === 429) return new AppError("RATE_LIMITED", fe.message);
  if (status >= 400 && status < 500) return new AppError("BAD_REQUEST", fe.message);
  return new AppError("INTERNAL", "Internal server error", { cause: err });
}

/** Routes that speak the Braintrust dev-server protocol set `config: { braintrustWire: true }`. */
declare module "fastify" {
  interface FastifyContextConfig {
    braintrustWire?: boolean;
  }
}

export function registerErrorHandler(app: FastifyInstance, { production, redactor }: { production: boolean; redactor: SecretRedactor }): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    let appError = toAppError(err);
    if (!appError.wire && request.routeOptions?.config?.braintrustWire) {
      appError = new AppError(appError.code, appError.message, {
        wire: "braintrust",
        cause: appError.cause,
        retryAfter: appError.retryAfter,
      });
    }
    if (appError.statusCode >= 500) {
      request.log.error({ err }, "request failed");
    } else {
      request.log.info({ code: appError.code, msg: appError.message }, "request rejected");
    }
    if (appError.retryAfter !== undefined) reply.header("retry-after", String(appError.retryAfter));
    const body = renderError(appError, redactor);
    // Internal errors never show their cause in production; outside it the message helps a developer.
    if (production && appError.code === "INTERNAL" && typeof body.error === "object") {
      body.error.message = "Internal server error";
    }
    return reply.status(appError.statusCode).send(body);
  });
}
