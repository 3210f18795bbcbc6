// JSON request bodies, read strictly: JSON is UTF-8 (RFC 8259), so other bytes are the client's 400 rather than
// silently becoming U+FFFD; and nesting is bounded before JSON.parse, because what walks a parsed body later (the
// Braintrust SDK's serializers, logging) recurses, and a body of a few thousand `[` would overflow the stack there.
// Only application/json is parsed: any other content type of a body is a 415 (Fastify's text/plain parser is dropped).
import type { FastifyInstance } from "fastify";
import { AppError } from "../errors.js";

export const MAX_JSON_DEPTH = 512;

const utf8 = new TextDecoder("utf-8", { fatal: true });
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The offset of the first bracket nested deeper than `max`, or -1 (brackets inside strings do not count). */
function tooDeepAt(bytes: Uint8Array, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return -1;
}

export function registerJsonBodyParser(app: FastifyInstance): void {
  // Prototype poisoning (`__proto__`, `constructor.prototype`) stays an error, as in Fastify's own parser.
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body: Buffer, done) => {
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return done(new AppError("BAD_REQUEST", "The body is not valid UTF-8 (JSON must be UTF-8)"), undefined);
    }
    const at = tooDeepAt(body);
    if (at >= 0) {
      return done(new AppError("BAD_REQUEST", `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels (at byte ${at})`), undefined);
    }
    void parse(request, text, done);
  });
}
