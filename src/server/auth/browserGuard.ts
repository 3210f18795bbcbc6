// Keeps web pages out of the operator routes. A page on any site can make the operator's browser send "simple"
// requests (a multipart form, text/plain) with no preflight, and a page whose name is re-pointed at 127.0.0.1
// (DNS rebinding) talks to a loopback service as its own origin. Browsers say where a request comes from
// (Origin, Sec-Fetch-Site) and which name they resolved (Host); curl and the CLI send neither Origin nor a foreign Host.
import type { FastifyRequest } from "fastify";
import { AppError } from "../../errors.js";

export interface BrowserGuardOptions {
  /**
   * Names besides loopback ones that Host may carry (PUBLIC_HOSTNAMES, lower-case; `*` for any). Unset: loopback
   * names only in loopback-only mode, any name otherwise (a required token is what a rebound page lacks).
   */
  publicHostnames?: string[];
  /** No ADMIN_TOKEN and no BRAINTRUST_ORG_NAME: the address and the Host are all that keep others out. */
  loopbackOnly: boolean;
}

const FORWARDING_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "via"];
const SAME_SITE_FETCHES = new Set(["same-origin", "none"]);

/** The host name of a Host header ("[::1]:8300" → "[::1]"), lower-case, without a trailing dot; undefined if malformed. */
function hostnameOf(host: string | undefined): string | undefined {
  if (!host || /[\s/\\@?#]/.test(host)) return undefined;
  try {
    return new URL(`http://${host}`).hostname.replace(/\.$/, "");
  } catch {
    return undefined;
  }
}

/** Names that only ever resolve to this machine: localhost (and *.localhost), 127.0.0.0/8, ::1. */
function isLoopbackHostname(hostname: string): boolean {
  return (
    hostname === "localhost" ||
    hostname.endsWith(".localhost") ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) ||
    hostname === "[::1]" ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(hostname)
  );
}

/** Whether an Origin header names this service itself: the same host and port as the request's Host. */
function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const from = new URL(origin);
    if (from.protocol !== "http:" && from.protocol !== "https:") return false;
    // The scheme is the origin's: behind TLS termination the request arrives as http, the page was https.
    return new URL(`${from.protocol}//${host}`).host === from.host;
  } catch {
    return false; // "null" (a sandboxed frame, a file:// page) and anything malformed
  }
}

/**
 * `navigation`: a page request (GET, Sec-Fetch-Mode navigate) may come from another site's link; what it gets is a
 * page without data, which fetches its data same-origin. The Host and proxy checks still apply.
 */
export function makeBrowserGuard(options: BrowserGuardOptions): (request: FastifyRequest, check?: { navigation?: boolean }) => void {
  const anyHost = options.publicHostnames?.includes("*") ?? !options.loopbackOnly;
  const names = new Set(options.publicHostnames ?? []);

  return function browserGuard(request: FastifyRequest, check: { navigation?: boolean } = {}): void {
    const headers = request.headers;
    if (options.loopbackOnly) {
      const forwarded = FORWARDING_HEADERS.find((h) => headers[h] !== undefined);
      if (forwarded) {
        throw new AppError(
          "FORBIDDEN",
          `This request came through a proxy (it has ${forwarded}): behind a reverse proxy every client looks loopback, so the operator routes need ADMIN_TOKEN there`,
        );
      }
    }
    const origin = headers.origin;
    const fetchSite = headers["sec-fetch-site"];
    const topLevelNavigation =
      check.navigation === true && request.method === "GET" && headers["sec-fetch-mode"] === "navigate" && origin === undefined;
    if (
      !topLevelNavigation &&
      ((origin !== undefined && !isOwnOrigin(origin, headers.host)) ||
        (typeof fetchSite === "string" && !SAME_SITE_FETCHES.has(fetchSite.toLowerCase())))
    ) {
      throw new AppError(
        "FORBIDDEN",
        "This route refuses requests made by another site's page (see Origin and Sec-Fetch-Site): operator routes are for tools like curl and the CLI, and for this service's own pages",
      );
    }
    if (anyHost) return;
    const hostname = hostnameOf(headers.host);
    if (hostname === undefined) throw new AppError("FORBIDDEN", "The Host header is missing or is not a host name");
    if (isLoopbackHostname(hostname) || names.has(hostname)) return;
    throw new AppError(
      "FORBIDDEN",
      `Host '${hostname.slice(0, 100)}' is not a loopback name or one of PUBLIC_HOSTNAMES: a page of another site may have pointed its name at this machine (DNS rebinding). If it is this service's name, add it to PUBLIC_HOSTNAMES`,
    );
  };
}
