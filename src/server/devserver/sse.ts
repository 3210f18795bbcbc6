// Server-sent events on a hijacked reply: headers go out at once (the reference waited for its first event), and
// a comment line keeps idle proxies from cutting long runs. A closed connection aborts the run through its
// requestScope.
import type { FastifyReply } from "fastify";

export interface SseStream {
  send(event: string, data: string): void;
  end(): void;
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
  let ended = false;
  const heartbeat = setInterval(() => raw.write(": ping\n\n"), heartbeatMs);
  heartbeat.unref();
  raw.on("close", () => clearInterval(heartbeat));
  return {
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
