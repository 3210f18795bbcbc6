// Server-sent events on a hijacked reply: headers go out at once (the reference waited for its first event),
// a comment line keeps idle proxies from cutting long runs, and a closed connection aborts the run.
import type { FastifyReply } from "fastify";

export interface SseStream {
  send(event: string, data: string): void;
  end(): void;
  /** Aborts when the client goes away before end(). */
  readonly signal: AbortSignal;
  readonly closed: boolean;
}

export function openSse(reply: FastifyReply, heartbeatMs: number): SseStream {
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
  const controller = new AbortController();
  let ended = false;
  const heartbeat = setInterval(() => raw.write(": ping\n\n"), heartbeatMs);
  heartbeat.unref();
  raw.on("close", () => {
    clearInterval(heartbeat);
    if (!ended) controller.abort(new Error("client closed the connection"));
  });
  return {
    signal: controller.signal,
    get closed() {
      return ended || raw.destroyed;
    },
    send(event, data) {
      if (ended || raw.destroyed) return;
      raw.write(`event: ${event}\ndata: ${data}\n\n`);
    },
    end() {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      raw.end();
    },
  };
}
