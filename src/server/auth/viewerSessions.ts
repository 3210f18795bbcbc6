// Browser sessions of the viewer: signing in with the operator's token once gives a random session id in an
// HttpOnly cookie; the id, never the token, is what the browser keeps. Kept in memory, server-side, with an expiry:
// a restart signs everyone out, and a stolen cookie stops working when it expires or its owner signs out.
import { createHash, randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";

export const SESSION_COOKIE = "sema4_session";

interface Session {
  operatorId: string;
  expires: number;
}

/** Sessions are keyed by a digest of their id, so that the table holds nothing a cookie could be made from. */
const digest = (id: string) => createHash("sha256").update(id).digest("base64url");

export class ViewerSessions {
  private readonly sessions: LRUCache<string, Session>;

  constructor(
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    maxSessions = 1_000,
  ) {
    this.sessions = new LRUCache({ max: maxSessions });
  }

  /** A new session for whoever passed operator auth; returns the id to put in the cookie. */
  create(operatorId: string): string {
    const id = randomBytes(32).toString("base64url");
    this.sessions.set(digest(id), { operatorId, expires: this.now() + this.ttlMs });
    return id;
  }

  /** The operator of a live session; undefined for an unknown, malformed or expired id. */
  check(id: string | undefined): string | undefined {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const key = digest(id);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (session.expires <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session.operatorId;
  }

  delete(id: string | undefined): void {
    if (id) this.sessions.delete(digest(id));
  }
}

/** The value of one cookie of a Cookie header (the first of that name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  maxAgeSeconds: number;
  secure: boolean;
}

/** The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's request carries it), Path=/. */
export function sessionCookie(value: string, options: CookieOptions): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    "HttpOnly",
    "SameSite=Strict",
    "Path=/",
    `Max-Age=${options.maxAgeSeconds}`,
    ...(options.secure ? ["Secure"] : []),
  ].join("; ");
}

/** The cookie that ends the session in the browser. */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie("", { maxAgeSeconds: 0, secure });
}
