// Server-sent events on a hijacked reply, for every route group that streams: headers go out at once
// (`braintrust eval --dev` waited for its first event, docs/devserver-protocol.md §11.1), and a comment line keeps
// idle proxies from cutting long runs. A closed connection aborts the run through its requestScope.
import type { FastifyReply } from "fastify";
import type { SecretRedactor } from "../../lib/secretRedactor.js";

export interface SseOptions {
  heartbeatMs: number;
  /** What error events carry goes through it: an upstream's message may quote a key. */
  redactor: SecretRedactor;
}

export interface SseStream {
  send(event: string, data: string): void;
  /** The `error` event: `data` (the route group's error shape for what was thrown), redacted, as JSON. */
  sendError(data: unknown): void;
  end(): void;
  readonly closed: boolean;
}

export function openSse(reply: FastifyReply, { heartbeatMs, redactor }: SseOptions): SseStream {
  const raw = reply.raw;
  const headers = { ...reply.getHeaders() } as Record<string, string>;
  reply.hijack();
  raw.writeHead(200, {
    ...headers,
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    // Stops nginx-style proxies from buffering the stream.
    "x-accel-buffering": "no",
  });
  raw.flushHeaders();
  let ended = false;
  const heartbeat = setInterval(() => raw.write(": ping\n\n"), heartbeatMs);
  heartbeat.unref();
  raw.on("close", () => clearInterval(heartbeat));
  const send = (event: string, data: string) => {
    if (ended || raw.destroyed) return;
    raw.write(`event: ${event}\ndata: ${data}\n\n`);
  };
  return {
    get closed() {
      return ended || raw.destroyed;
    },
    send,
    sendError: (data) => send("error", JSON.stringify(redactor.value(data))),
    end() {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      raw.end();
    },
  };
}
