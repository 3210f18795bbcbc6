// The service runs from a git checkout here (as it may in production): the SDK must not describe that checkout
// in callers' experiments. The service reaches the SDK only through loadSdk(), which detaches it first.
import * as sdk from "braintrust";
import { describe, expect, it } from "vitest";
import { loadSdk } from "../../src/braintrust/sdk.js";

const iso = sdk._internalIso as unknown as {
  getRepoInfo: (settings: { collect: "all" }) => Promise<Record<string, unknown> | undefined>;
  getPastNAncestors: () => Promise<string[]>;
};

describe("loadSdk", () => {
  it("hands out the SDK only once it has stopped reading this process's git checkout", async () => {
    const before = await iso.getRepoInfo({ collect: "all" });
    expect(before?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(await loadSdk()).toBe(sdk);
    expect(await iso.getRepoInfo({ collect: "all" })).toBeUndefined();
    expect(await iso.getPastNAncestors()).toEqual([]);
  });
});
