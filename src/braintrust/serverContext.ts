// This process is a server: its own git checkout (if it runs from one) says nothing about its callers'
// experiments. The SDK would otherwise spawn git on every experiment registration and send this checkout's
// commit history and repo info into the caller's org.
import type * as Sdk from "braintrust";

export function detachFromServerCheckout(sdk: Pick<typeof Sdk, "_internalIso">): void {
  const iso = sdk._internalIso as unknown as { getPastNAncestors: () => Promise<string[]>; getRepoInfo: () => Promise<undefined> };
  iso.getPastNAncestors = async () => [];
  iso.getRepoInfo = async () => undefined;
}
