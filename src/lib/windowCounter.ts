// Counts events per key in fixed windows (say, refused logins per client address per minute). Bounded: the least
// recently counted keys are dropped first, so many keys cost memory, not correctness for the active ones.
import { LRUCache } from "lru-cache";

interface Window {
  count: number;
  endsAt: number;
}

export class WindowCounter {
  private readonly windows: LRUCache<string, Window>;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.windows = new LRUCache({ max: maxKeys });
  }

  /** Counts one event; returns 0 when it is within the limit, else the milliseconds until the window ends. */
  take(key: string): number {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    return window.count > this.limit ? window.endsAt - now : 0;
  }

  /** Takes back an event counted in the current window (it turned out not to count). */
  giveBack(key: string): void {
    const window = this.windows.get(key);
    if (window && window.endsAt > this.now() && window.count > 0) window.count--;
  }
}
