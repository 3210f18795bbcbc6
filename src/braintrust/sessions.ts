// Logged-in Braintrust states per (token, org), for callers of the dev-server routes and the operator routes.
// `braintrust eval --dev` caches forever (a revoked token keeps working, docs/devserver-protocol.md §5.3); this cache
// expires entries after a TTL. A refused login is remembered briefly too, concurrent logins of one (token, org) share
// one request, and refused logins are limited per client address: bad tokens, however many, cost Braintrust a bounded
// number of logins.
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { loginToState, LoginInvalidOrgError, type BraintrustState } from "braintrust";
import { AppError } from "../errors.js";
import { WindowCounter } from "../lib/windowCounter.js";

export interface SessionOptions {
  appUrl: string;
  maxEntries: number;
  ttlMs: number;
  /** How long a refused (token, org) is answered from memory (LOGIN_FAILURE_TTL_MS); 0 for not at all. */
  failureTtlMs: number;
  /** Logins per minute per client address that do not succeed (LOGIN_ATTEMPTS_PER_MINUTE). */
  attemptsPerMinute: number;
}

/**
 * Who logged in, as a name safe to keep and log: the org's id and a digest of the key. Braintrust's login names
 * the org but no user; a key is one user's, so every spelling of the same key in a request maps to one caller.
 */
export function callerId(state: BraintrustState, token: string): string {
  return `${state.orgId}:${createHash("sha256").update(token).digest("base64url").slice(0, 22)}`;
}

/** A refusal of the token or org, worth remembering; not a network error or an outage of Braintrust. */
function isRefusal(err: unknown): boolean {
  if (err instanceof LoginInvalidOrgError) return true;
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === "number") return status >= 400 && status < 500 && status !== 408 && status !== 429;
  return /^Unable to log into/.test((err as Error | null)?.message ?? "");
}

export class BraintrustSessions {
  private readonly cache: LRUCache<string, BraintrustState>;
  private readonly refused: LRUCache<string, { error: unknown }> | undefined;
  private readonly pending = new Map<string, Promise<BraintrustState>>();
  private readonly attempts: WindowCounter;

  constructor(private readonly options: SessionOptions) {
    this.cache = new LRUCache({ max: options.maxEntries, ttl: options.ttlMs || undefined });
    this.refused = options.failureTtlMs > 0 ? new LRUCache({ max: 1024, ttl: options.failureTtlMs }) : undefined;
    this.attempts = new WindowCounter(options.attemptsPerMinute, 60_000);
  }

  /**
   * Logs in (or reuses a cached login). Throws when the token is refused or the org is not one of the token's,
   * and a RATE_LIMITED AppError when `client` (the caller's address) had too many failed logins this minute.
   */
  async login(token: string, orgName: string, client: string): Promise<BraintrustState> {
    const key = JSON.stringify([token, orgName]);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const wait = this.attempts.take(client);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new AppError(
        "RATE_LIMITED",
        `Too many failed login attempts from this address (LOGIN_ATTEMPTS_PER_MINUTE=${this.options.attemptsPerMinute}); retry in ${seconds} s`,
        { retryAfter: seconds },
      );
    }
    const refusal = this.refused?.get(key);
    if (refusal) throw refusal.error;
    try {
      const state = await this.loginOnce(key, token, orgName);
      this.attempts.giveBack(client);
      return state;
    } catch (err) {
      if (isRefusal(err)) this.refused?.set(key, { error: err });
      throw err;
    }
  }

  /** One login request per (token, org) at a time: a burst of requests waits for the same answer. */
  private loginOnce(key: string, token: string, orgName: string): Promise<BraintrustState> {
    let login = this.pending.get(key);
    if (!login) {
      login = loginToState({
        apiKey: token,
        orgName,
        // BRAINTRUST_API_URL / BRAINTRUST_PROXY_URL overrides are applied by the SDK itself at login.
        appUrl: this.options.appUrl,
      })
        .then((state) => {
          this.cache.set(key, state);
          return state;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, login);
    }
    return login;
  }

  get size(): number {
    return this.cache.size;
  }
}
