// The SDK's background logger retries a failed batch a few times, then drops it with only a log line. Runs
// watch for those drops here so that lost rows fail the run instead of vanishing silently.
import type { BraintrustState } from "braintrust";

type Listener = (error: unknown) => void;
interface BackgroundLogger {
  onFlushError?: Listener;
}

const listeners = new WeakMap<BraintrustState, Set<Listener>>();

export interface FlushErrorWatch {
  /** The errors reported since the watch began (batches the SDK gave up on). */
  readonly errors: unknown[];
  stop(): void;
}

/** Collects flush errors of a state while the watch lasts. One state may serve several runs at once. */
export function watchFlushErrors(state: BraintrustState): FlushErrorWatch {
  let set = listeners.get(state);
  if (!set) {
    const created = new Set<Listener>();
    set = created;
    listeners.set(state, created);
    const logger = state.httpLogger() as unknown as BackgroundLogger;
    const previous = logger.onFlushError;
    logger.onFlushError = (error) => {
      previous?.(error);
      for (const listener of created) listener(error);
    };
  }
  const errors: unknown[] = [];
  const listener: Listener = (e) => errors.push(e);
  set.add(listener);
  return { errors, stop: () => set.delete(listener) };
}
