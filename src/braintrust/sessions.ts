// Logged-in Braintrust states per (token, org), for callers of the dev-server routes.
// The reference caches forever (a revoked token keeps working); this cache expires entries after a TTL.
import { LRUCache } from "lru-cache";
import { loginToState, type BraintrustState } from "braintrust";

export interface SessionOptions {
  appUrl: string;
  maxEntries: number;
  ttlMs: number;
}

export class BraintrustSessions {
  private readonly cache: LRUCache<string, BraintrustState>;

  constructor(private readonly options: SessionOptions) {
    this.cache = new LRUCache({ max: options.maxEntries, ttl: options.ttlMs || undefined });
  }

  /** Logs in (or reuses a cached login). Throws when the token is refused or the org is not one of the token's. */
  async login(token: string, orgName: string): Promise<BraintrustState> {
    const key = JSON.stringify([token, orgName]);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const state = await loginToState({
      apiKey: token,
      orgName,
      // BRAINTRUST_API_URL / BRAINTRUST_PROXY_URL overrides are applied by the SDK itself at login.
      appUrl: this.options.appUrl,
    });
    // Failed logins are not cached: the next request tries again, as in the reference.
    this.cache.set(key, state);
    return state;
  }

  get size(): number {
    return this.cache.size;
  }
}
