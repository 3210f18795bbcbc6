// The pages' addresses under /ui/ (the shared viewerLinks make them), and moving between them without a reload.
// Every page has an address of its own, so a trace, a span or a comparison can be linked to and reloaded.
import { useEffect, useState } from "preact/hooks";
import { VIEWER_BASE } from "../../../src/viewer/links.js";
import type { ObjectType } from "../../../src/viewer/schemas.js";

export type Route =
  | { page: "experiments" }
  | { page: "logs" }
  | { page: "experiment"; id: string }
  | { page: "trace"; objectType: ObjectType; objectId: string; rootSpanId: string; spanId: string | null }
  | { page: "compare"; baseline: string | null; candidates: string[]; differencesOnly: boolean }
  | { page: "notFound"; path: string };

export function parseRoute(pathname: string, search: string): Route {
  const query = new URLSearchParams(search);
  const path = pathname === VIEWER_BASE || pathname.startsWith(`${VIEWER_BASE}/`) ? pathname.slice(VIEWER_BASE.length) : pathname;
  const parts = path.split("/").filter(Boolean).map(safeDecode);
  if (parts.length === 0) return { page: "experiments" };
  if (parts[0] === "logs" && parts.length === 1) return { page: "logs" };
  if (parts[0] === "experiments" && parts.length === 2) return { page: "experiment", id: parts[1] };
  if (parts[0] === "traces" && parts.length === 4 && (parts[1] === "experiment" || parts[1] === "project_logs")) {
    return { page: "trace", objectType: parts[1], objectId: parts[2], rootSpanId: parts[3], spanId: query.get("span") };
  }
  if (parts[0] === "compare" && parts.length === 1) {
    return {
      page: "compare",
      baseline: query.get("baseline"),
      candidates: query.getAll("candidate"),
      differencesOnly: query.get("differences") === "1",
    };
  }
  return { page: "notFound", path: pathname };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** An address with some query parameters set (a value of null removes the parameter). */
export function withQuery(pathname: string, search: string, changes: Record<string, string | null>): string {
  const query = new URLSearchParams(search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) query.delete(key);
    else query.set(key, value);
  }
  const text = query.toString();
  return text ? `${pathname}?${text}` : pathname;
}

const CHANGE = "viewer:navigate";

/** Goes to an address of the app; `replace` for changes that should not add a step to Back (a filter, a span). */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(history.state, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new Event(CHANGE));
}

export interface Place {
  pathname: string;
  search: string;
}

/** The current location, re-read on every navigation and on Back/Forward. */
export function useLocation(): Place {
  const read = (): Place => ({ pathname: location.pathname, search: location.search });
  const [current, setCurrent] = useState(read);
  useEffect(() => {
    const update = () => setCurrent(read());
    window.addEventListener(CHANGE, update);
    window.addEventListener("popstate", update);
    return () => {
      window.removeEventListener(CHANGE, update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return current;
}

/**
 * Follows a click on a link to one of the app's pages without reloading; a click with a modifier (new tab, new
 * window), a download, or a link elsewhere (the sign-in page, the API) stays the browser's.
 */
export function interceptLinks(root: HTMLElement, isAppPath: (pathname: string) => boolean): () => void {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.("a");
    if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin || !isAppPath(url.pathname)) return;
    event.preventDefault();
    const to = url.pathname + url.search + url.hash;
    if (to !== location.pathname + location.search + location.hash) navigate(to);
    if (!url.hash) window.scrollTo(0, 0);
  };
  root.addEventListener("click", onClick);
  return () => root.removeEventListener("click", onClick);
}

/** The pages this app renders; anything else under /ui/ (sign-in, sign-out) is the service's. */
export const isAppPath = (pathname: string): boolean => parseRoute(pathname, "").page !== "notFound";
