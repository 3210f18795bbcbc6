// What the CLI's FILE_OR_DIR arguments mean, on the example runs shipped in examples/tau2/.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandPaths } from "../../../src/ingest/read/expandPaths.js";
import { tempDir } from "../../support/ingestFixtures.js";

const examples = join(import.meta.dirname, "../../../examples/tau2");

describe("expandPaths", () => {
  it("takes a folder's results files and the tau2 directory runs among its folders", async () => {
    const files = await expandPaths([examples]);
    expect(files.slice(0, 3).map((f) => f.label)).toEqual(["airline-grok-3.json", "airline-grok-4.json.gz", "airline-grok-3-mini/results.json"]);
    expect(files).toHaveLength(3 + 16);
    expect(files.slice(3).every((f) => /^airline-grok-3-mini\/simulations\/[\w-]+\.json$/.test(f.label))).toBe(true);
  });

  it("says what is missing from a folder with neither", async () => {
    await expect(expandPaths([tempDir()])).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("no tau2 directory run") });
  });
});
