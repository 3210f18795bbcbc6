// A body of a content type its route does not read is a 415 that names the types the route takes. Fastify's own
// 415 says only "Unsupported Media Type"; which types a route takes is what its scope has parsers for.
import type { FastifyRequest } from "fastify";
import { AppError } from "../../errors.js";

/** Every body type some route of the service parses. */
const BODY_TYPES = ["application/json", "application/gzip", "application/x-gzip", "application/octet-stream", "multipart/form-data"];

const MEDIA_TYPE = /^\s*[\w.+-]+\/[\w.+-]+\s*(;|$)/;

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "no body") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

export function unsupportedMediaType(request: FastifyRequest): AppError {
  const sent = request.headers["content-type"];
  const problem =
    sent === undefined
      ? "the body has no Content-Type"
      : `Content-Type ${JSON.stringify(sent.slice(0, 100))} ${MEDIA_TYPE.test(sent) ? "is not read here" : "is not a media type"}`;
  // No route: there is no body type to name.
  if (request.is404) return new AppError("UNSUPPORTED_MEDIA_TYPE", `Unsupported Media Type: ${problem}`);
  // request.server is the route's own scope: its parsers are the route's.
  const accepted = BODY_TYPES.filter((type) => request.server.hasContentTypeParser(type));
  const route = `${request.method} ${request.routeOptions.url ?? request.url.split("?")[0]}`;
  return new AppError("UNSUPPORTED_MEDIA_TYPE", `Unsupported Media Type: ${problem}; ${route} takes ${orList(accepted)}`);
}
