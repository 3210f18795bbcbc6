// A pool of `slots` shared by several callers. A freed slot goes to the waiting caller with the fewest jobs
// running (ties: the one served longest ago, a caller never served first), so one caller's long queue cannot
// starve another's: each gets its turn, and callers end up with equal shares of a busy pool.

interface CallerState {
  running: number;
  /** Starts of its queued jobs, in order. */
  waiting: (() => void)[];
  /** Sequence number of its latest grant; -1 before the first. */
  lastGrant: number;
}

export class FairScheduler {
  private readonly callers = new Map<string, CallerState>();
  private active = 0;
  private grants = 0;

  constructor(private readonly slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`a scheduler needs at least 1 slot, not ${slots}`);
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    let n = 0;
    for (const c of this.callers.values()) n += c.waiting.length;
    return n;
  }

  /** Runs `job` in a slot, once `key`'s turn comes. A signal that aborts while the job waits withdraws it. */
  async run<T>(key: string, job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const caller = this.callerOf(key);
    if (this.active < this.slots && this.waiting === 0) this.grant(caller);
    else await this.wait(key, caller, signal);
    try {
      return await job();
    } finally {
      this.active--;
      caller.running--;
      this.forget(key, caller);
      this.next();
    }
  }

  private callerOf(key: string): CallerState {
    let caller = this.callers.get(key);
    if (!caller) {
      caller = { running: 0, waiting: [], lastGrant: -1 };
      this.callers.set(key, caller);
    }
    return caller;
  }

  private grant(caller: CallerState): void {
    this.active++;
    caller.running++;
    caller.lastGrant = this.grants++;
  }

  private wait(key: string, caller: CallerState, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        caller.waiting.splice(caller.waiting.indexOf(waiter), 1);
        this.forget(key, caller);
        reject(signal!.reason);
      };
      const waiter = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      caller.waiting.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Hands free slots to waiting jobs, one caller's turn at a time. */
  private next(): void {
    while (this.active < this.slots) {
      let chosen: CallerState | undefined;
      for (const caller of this.callers.values()) {
        if (caller.waiting.length === 0) continue;
        if (
          !chosen ||
          caller.running < chosen.running ||
          (caller.running === chosen.running && caller.lastGrant < chosen.lastGrant)
        ) {
          chosen = caller;
        }
      }
      if (!chosen) return;
      this.grant(chosen);
      chosen.waiting.shift()!();
    }
  }

  /** A caller with nothing running or waiting is dropped, so the map holds only current callers. */
  private forget(key: string, caller: CallerState): void {
    if (caller.running === 0 && caller.waiting.length === 0) this.callers.delete(key);
  }
}
