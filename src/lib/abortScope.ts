// A child AbortSignal that follows its parents and an optional deadline, and lets go of them when disposed.
// AbortSignal.any and AbortSignal.timeout would do the same, but on Node 20 a composite stays reachable from a
// long-lived parent (the app's shutdown signal) and a timeout signal lives until its timer fires (minutes): per
// case of every eval, that is memory growing for as long as the service runs.
import { setMaxListeners } from "node:events";

export interface AbortScope {
  readonly signal: AbortSignal;
  dispose(): void;
}

export function abortScope(parents: AbortSignal[], timeout?: { ms: number; reason: () => Error }): AbortScope {
  const controller = new AbortController();
  // A scope is the parent of one child per case running at once (64 by default), each removed when disposed:
  // bounded by concurrency, so Node's warning at 10 listeners would only ever be noise in the log.
  setMaxListeners(0, controller.signal);
  const unlink: (() => void)[] = [];
  const abort = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  for (const parent of parents) {
    if (parent.aborted) {
      abort(parent.reason);
      break;
    }
    const onAbort = () => abort(parent.reason);
    parent.addEventListener("abort", onAbort, { once: true });
    unlink.push(() => parent.removeEventListener("abort", onAbort));
  }
  if (timeout && !controller.signal.aborted) {
    const timer = setTimeout(() => abort(timeout.reason()), timeout.ms);
    unlink.push(() => clearTimeout(timer));
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const f of unlink.splice(0)) f();
    },
  };
}
