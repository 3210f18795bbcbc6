// This process is a server: its own git checkout (if it runs from one) says nothing about its callers'
// experiments. The SDK would otherwise spawn git on every experiment registration and send this checkout's
// commit history and repo info into the caller's org.
import { _internalIso } from "braintrust";

let detached = false;

export function detachFromServerCheckout(): void {
  if (detached) return;
  detached = true;
  const iso = _internalIso as unknown as { getPastNAncestors: () => Promise<string[]>; getRepoInfo: () => Promise<undefined> };
  iso.getPastNAncestors = async () => [];
  iso.getRepoInfo = async () => undefined;
}
