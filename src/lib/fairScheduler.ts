// A pool of `slots` shared by several callers, each with one or more groups of jobs (a caller's evals). A freed
// slot goes to the waiting caller with the fewest jobs running (ties: the one served longest ago, a caller never
// served first), and within that caller to its group with the fewest running (same ties), first come first served
// inside a group. So one caller's long queue cannot starve another's, nor one eval another eval of the same
// caller: busy, the pool ends up shared equally by callers, and each caller's share equally by its groups.
// `perGroup` caps one group's jobs at once whatever the pool has free.

interface GroupState {
  running: number;
  /** Starts of its queued jobs, in order. */
  waiting: (() => void)[];
  /** Sequence number of its latest grant; -1 before the first. */
  lastGrant: number;
}

interface CallerState {
  running: number;
  lastGrant: number;
  groups: Map<string, GroupState>;
}

/** Whose job it is: the caller, and the group of the caller's jobs it belongs to (one group when none is given). */
export interface Turn {
  caller: string;
  group?: string;
}

export class FairScheduler {
  private readonly callers = new Map<string, CallerState>();
  private readonly perGroup: number;
  private active = 0;
  private queued = 0;
  private grants = 0;

  constructor(
    private readonly slots: number,
    options: { perGroup?: number } = {},
  ) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`a scheduler needs at least 1 slot, not ${slots}`);
    this.perGroup = options.perGroup ?? slots;
    if (!Number.isInteger(this.perGroup) || this.perGroup < 1) {
      throw new RangeError(`a group needs at least 1 slot, not ${options.perGroup}`);
    }
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queued;
  }

  /** Runs `job` in a slot, once its turn comes. A signal that aborts while the job waits withdraws it. */
  async run<T>(turn: Turn, job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const caller = this.callerOf(turn.caller);
    const groupKey = turn.group ?? "";
    const group = this.groupOf(caller, groupKey);
    // Whenever a slot is free, no job that may take it waits (next() saw to that): this one may go at once.
    if (this.active < this.slots && group.running < this.perGroup) this.grant(caller, group);
    else await this.wait(turn.caller, caller, groupKey, group, signal);
    try {
      return await job();
    } finally {
      this.active--;
      caller.running--;
      group.running--;
      this.forget(turn.caller, caller, groupKey, group);
      this.next();
    }
  }

  private callerOf(key: string): CallerState {
    let caller = this.callers.get(key);
    if (!caller) {
      caller = { running: 0, lastGrant: -1, groups: new Map() };
      this.callers.set(key, caller);
    }
    return caller;
  }

  private groupOf(caller: CallerState, key: string): GroupState {
    let group = caller.groups.get(key);
    if (!group) {
      group = { running: 0, waiting: [], lastGrant: -1 };
      caller.groups.set(key, group);
    }
    return group;
  }

  private grant(caller: CallerState, group: GroupState): void {
    this.active++;
    caller.running++;
    group.running++;
    caller.lastGrant = group.lastGrant = this.grants++;
  }

  private wait(callerKey: string, caller: CallerState, groupKey: string, group: GroupState, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        group.waiting.splice(group.waiting.indexOf(waiter), 1);
        this.queued--;
        this.forget(callerKey, caller, groupKey, group);
        reject(signal!.reason);
      };
      const waiter = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      group.waiting.push(waiter);
      this.queued++;
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** A group with a job waiting and room under perGroup. */
  private ready(group: GroupState): boolean {
    return group.waiting.length > 0 && group.running < this.perGroup;
  }

  /** Of `items`, the one with the fewest running, ties to the one served longest ago. */
  private static fairest<S extends { running: number; lastGrant: number }>(items: Iterable<S>, eligible: (s: S) => boolean): S | undefined {
    let chosen: S | undefined;
    for (const s of items) {
      if (!eligible(s)) continue;
      if (!chosen || s.running < chosen.running || (s.running === chosen.running && s.lastGrant < chosen.lastGrant)) chosen = s;
    }
    return chosen;
  }

  /** Hands free slots to waiting jobs: the fairest caller, then its fairest group. */
  private next(): void {
    while (this.active < this.slots) {
      const hasReadyGroup = (c: CallerState) => [...c.groups.values()].some((g) => this.ready(g));
      const caller = FairScheduler.fairest(this.callers.values(), hasReadyGroup);
      if (!caller) return;
      const group = FairScheduler.fairest(caller.groups.values(), (g) => this.ready(g))!;
      this.grant(caller, group);
      this.queued--;
      group.waiting.shift()!();
    }
  }

  /** Groups and callers with nothing running or waiting are dropped, so the maps hold only current ones. */
  private forget(callerKey: string, caller: CallerState, groupKey: string, group: GroupState): void {
    if (group.running === 0 && group.waiting.length === 0) caller.groups.delete(groupKey);
    if (caller.groups.size === 0) this.callers.delete(callerKey);
  }
}
