// The service runs from a git checkout here (as it may in production): the SDK must not describe that checkout
// in callers' experiments.
import { _internalIso } from "braintrust";
import { describe, expect, it } from "vitest";
import { detachFromServerCheckout } from "../../src/braintrust/serverContext.js";

const iso = _internalIso as unknown as {
  getRepoInfo: (settings: { collect: "all" }) => Promise<Record<string, unknown> | undefined>;
  getPastNAncestors: () => Promise<string[]>;
};

describe("detachFromServerCheckout", () => {
  it("stops the SDK from reading this process's git checkout", async () => {
    const before = await iso.getRepoInfo({ collect: "all" });
    expect(before?.commit).toMatch(/^[0-9a-f]{40}$/);
    detachFromServerCheckout();
    expect(await iso.getRepoInfo({ collect: "all" })).toBeUndefined();
    expect(await iso.getPastNAncestors()).toEqual([]);
  });
});
