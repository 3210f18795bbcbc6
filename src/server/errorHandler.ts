// The one place where errors become HTTP responses.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ZodError } from "zod";
import { AppError, isAppError } from "../errors.js";

interface ErrorBody {
  error: { code?: string; message: string; status: number; details?: unknown } | string;
}

export function renderError(err: AppError): ErrorBody {
  if (err.wire === "braintrust-flat") return { error: err.message };
  if (err.wire === "braintrust") return { error: { message: err.message, status: err.statusCode } };
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
    return new AppError("VALIDATION_FAILED", "Invalid request", { details: err.issues });
  }
  const fe = err as FastifyError;
  const status = typeof fe?.statusCode === "number" ? fe.statusCode : 500;
  if (status === 413) return new AppError("PAYLOAD_TOO_LARGE", fe.message);
  if (status === 415) return new AppError("UNSUPPORTED_MEDIA_TYPE", fe.message);
  if (status === 429) return new AppError("RATE_LIMITED", fe.message);
  if (status >= 400 && status < 500) return new AppError("BAD_REQUEST", fe.message);
  return new AppError("INTERNAL", "Internal server error", { cause: err });
}

export function registerErrorHandler(app: FastifyInstance, { production }: { production: boolean }): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(err);
    if (appError.statusCode >= 500) {
      request.log.error({ err }, "request failed");
    } else {
      request.log.info({ code: appError.code, msg: appError.message }, "request rejected");
    }
    if (appError.retryAfter !== undefined) reply.header("retry-after", String(appError.retryAfter));
    const body = renderError(appError);
    // Internal errors never show their cause in production; outside it the message helps a developer.
    if (production && appError.code === "INTERNAL" && typeof body.error === "object") {
      body.error.message = "Internal server error";
    }
    return reply.status(appError.statusCode).send(body);
  });
}
