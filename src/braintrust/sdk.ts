// The braintrust SDK, loaded on first need: ~30 MB and ~150 ms that GET /list does without. Every module that uses
// the SDK's values is reached through loadSdk() or sdkModule(), so the SDK is never used before it is detached
// from this server's git checkout.
import { lazy } from "../lib/lazy.js";
import { detachFromServerCheckout } from "./serverContext.js";

export const loadSdk = lazy(async () => {
  const sdk = await import("braintrust");
  detachFromServerCheckout(sdk);
  return sdk;
});

/** A module of ours that imports the SDK, loaded on first use, after the SDK is ready. */
export function sdkModule<T>(load: () => Promise<T>): () => Promise<T> {
  return lazy(async () => {
    await loadSdk();
    return load();
  });
}
