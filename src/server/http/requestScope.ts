// The AbortSignal of the work a request does: aborted when the client goes away before its answer is complete
// (a JSON reply or an event stream alike), and when the service gives up draining at shutdown. Disposed when the
// work ends, so that the shutdown signal, which lives as long as the service, lets go of it.
import type { FastifyReply } from "fastify";
import { abortScope, type AbortScope } from "../../lib/abortScope.js";

export interface RequestScope extends AbortScope {
  /** From now on the client's going away no longer aborts: work that must not stop half-done (a store being written). */
  keepOnDisconnect(): void;
}

export function requestScope(reply: FastifyReply, shutdownSignal: AbortSignal | undefined): RequestScope {
  const client = new AbortController();
  let followClient = true;
  const onClose = () => {
    if (followClient && !reply.raw.writableFinished) client.abort(new Error("client closed the connection"));
  };
  reply.raw.once("close", onClose);
  const scope = abortScope(shutdownSignal ? [client.signal, shutdownSignal] : [client.signal]);
  return {
    signal: scope.signal,
    keepOnDisconnect() {
      followClient = false;
    },
    dispose() {
      reply.raw.off("close", onClose);
      scope.dispose();
    },
  };
}
