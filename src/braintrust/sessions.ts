// Logged-in Braintrust callers per (token, org), for the dev-server routes and the operator routes.
// `braintrust eval --dev` caches forever (a revoked token keeps working, docs/devserver-protocol.md §5.3); this cache
// expires entries after a TTL. A refused login is remembered briefly too, concurrent logins of one (token, org) share
// one request, and refused logins are limited per client address: bad tokens, however many, cost Braintrust a bounded
// number of logins.
//
// The login request is the SDK's own (`loginToState`: POST {app}/api/apikey/login, the org chosen by name, the API
// and proxy URLs overridable by BRAINTRUST_API_URL / BRAINTRUST_PROXY_URL), made here without the SDK: GET /list
// needs to know who calls, nothing more, and the SDK costs ~30 MB and ~150 ms to load. The SDK's state of a login
// is built the first time an eval needs it (`state()`), once per login.
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { BraintrustState } from "braintrust";
import { AppError } from "../errors.js";
import { WindowCounter } from "../lib/windowCounter.js";
import { postJson } from "../lib/postJson.js";
import { loadSdk } from "./sdk.js";

export interface SessionOptions {
  appUrl: string;
  /** BRAINTRUST_APP_PUBLIC_URL: the base of the experiment links in summaries (else appUrl). */
  appPublicUrl?: string;
  /** BRAINTRUST_API_URL / BRAINTRUST_PROXY_URL: override what the login answers, as the SDK's login does. */
  apiUrl?: string;
  proxyUrl?: string;
  maxEntries: number;
  ttlMs: number;
  /** How long a refused (token, org) is answered from memory (LOGIN_FAILURE_TTL_MS); 0 for not at all. */
  failureTtlMs: number;
  /** Logins per minute per client address that do not succeed (LOGIN_ATTEMPTS_PER_MINUTE). */
  attemptsPerMinute: number;
}

interface OrgInfo {
  id: string;
  name: string;
  api_url?: string | null;
  proxy_url?: string | null;
  git_metadata?: unknown;
}

/** The login answered, but not for this org (the SDK's LoginInvalidOrgError). */
class LoginOrgError extends Error {
  override name = "LoginOrgError";
}

/** The login endpoint refused the token, or answered something else than a login (the SDK's FailedHTTPResponse). */
class LoginHttpError extends Error {
  override name = "LoginHttpError";
  constructor(
    readonly status: number,
    statusText: string,
    readonly text: string,
  ) {
    super(`${status} ${statusText}: ${text}`);
  }
}

/** One caller's login: who they are, where their org's API is, and the SDK's state for it once an eval needs one. */
export class BraintrustLogin {
  private sdkState: Promise<BraintrustState> | undefined;

  constructor(
    readonly token: string,
    readonly appUrl: string,
    readonly appPublicUrl: string,
    readonly org: OrgInfo,
    readonly apiUrl: string,
    readonly proxyUrl: string | undefined,
  ) {}

  get orgId(): string {
    return this.org.id;
  }

  get orgName(): string {
    return this.org.name;
  }

  /** The SDK's logged-in state, built as `loginToState` builds it after its request; one per login. */
  state(): Promise<BraintrustState> {
    this.sdkState ??= loadSdk().then(({ BraintrustState }) => {
      const state = new BraintrustState({ apiKey: this.token, orgName: this.orgName, appUrl: this.appUrl });
      state.resetLoginInfo();
      Object.assign(state, {
        appUrl: this.appUrl,
        appPublicUrl: this.appPublicUrl,
        orgId: this.org.id,
        orgName: this.org.name,
        apiUrl: this.apiUrl,
        proxyUrl: this.proxyUrl,
        gitMetadataSettings: this.org.git_metadata || undefined,
      });
      const conn = state.apiConn();
      conn.set_token(this.token);
      conn.make_long_lived();
      state.appConn().set_token(this.token);
      if (state.proxyUrl) state.proxyConn().set_token(this.token);
      state.loginToken = conn.token;
      state.loggedIn = true;
      state.loginReplaceApiConn(conn);
      return state;
    });
    return this.sdkState;
  }
}

/**
 * Who logged in, as a name safe to keep and log: the org's id and a digest of the key. Braintrust's login names
 * the org but no user; a key is one user's, so every spelling of the same key in a request maps to one caller.
 */
export function callerId(login: { orgId: string | null | undefined }, token: string): string {
  return `${login.orgId}:${createHash("sha256").update(token).digest("base64url").slice(0, 22)}`;
}

/** A refusal of the token or org, worth remembering; not a network error or an outage of Braintrust. */
function isRefusal(err: unknown): boolean {
  if (err instanceof LoginOrgError) return true;
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === "number") return status >= 400 && status < 500 && status !== 408 && status !== 429;
  return /^Unable to log into/.test((err as Error | null)?.message ?? "");
}

/** The SDK's choice of org among those the login lists (`selectLoginOrg`). */
function selectOrg(orgs: OrgInfo[], orgName: string): OrgInfo {
  if (orgs.length === 0) throw new LoginOrgError("This user is not part of any organizations.");
  const org = orgs.find((o) => o.name === orgName);
  if (!org) throw new LoginOrgError(`Organization ${orgName} not found. Must be one of ${orgs.map((o) => o.name).join(", ")}`);
  return org;
}

export class BraintrustSessions {
  private readonly cache: LRUCache<string, BraintrustLogin>;
  private readonly refused: LRUCache<string, { error: unknown }> | undefined;
  private readonly pending = new Map<string, Promise<BraintrustLogin>>();
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
  async login(token: string, orgName: string, client: string): Promise<BraintrustLogin> {
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
      const login = await this.loginOnce(key, token, orgName);
      this.attempts.giveBack(client);
      return login;
    } catch (err) {
      if (isRefusal(err)) this.refused?.set(key, { error: err });
      throw err;
    }
  }

  /** One login request per (token, org) at a time: a burst of requests waits for the same answer. */
  private loginOnce(key: string, token: string, orgName: string): Promise<BraintrustLogin> {
    let login = this.pending.get(key);
    if (!login) {
      login = this.request(token, orgName)
        .then((result) => {
          this.cache.set(key, result);
          return result;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, login);
    }
    return login;
  }

  private async request(token: string, orgName: string): Promise<BraintrustLogin> {
    const { appUrl } = this.options;
    const url = `${appUrl.replace(/\/+$/, "")}/api/apikey/login`;
    const response = await postJson(url, { "Content-Type": "application/json", Authorization: `Bearer ${token}` });
    if (response.status < 200 || response.status >= 300) throw new LoginHttpError(response.status, response.statusText, response.text);
    const orgs = (JSON.parse(response.text) as { org_info?: OrgInfo[] }).org_info ?? [];
    const org = selectOrg(orgs, orgName);
    const apiUrl = this.options.apiUrl ?? org.api_url;
    if (!apiUrl) {
      throw new Error(`Unable to log into organization '${orgName}'. Are you sure this credential is scoped to the organization?`);
    }
    const proxyUrl = this.options.proxyUrl ?? org.proxy_url ?? undefined;
    return new BraintrustLogin(token, appUrl, this.options.appPublicUrl ?? appUrl, org, apiUrl, proxyUrl);
  }

  get size(): number {
    return this.cache.size;
  }
}
