// The README is the user's manual: every setting the service reads is in its table, with the real default,
// and the Quickstart has exactly its two command lines.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configSchema, DERIVED_DEFAULTS } from "../../src/config.js";

const readme = readFileSync("README.md", "utf8");
const defaults = configSchema.parse({});

describe("README", () => {
  it("documents every setting with its default", () => {
    for (const key of Object.keys(configSchema.shape)) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${key}\` |`));
      expect(row, `README settings table lacks ${key}`).toBeDefined();
      const documented = row!.split("|")[2]!.trim().replace(/`/g, "");
      const actual = (defaults as Record<string, unknown>)[key];
      const derived = DERIVED_DEFAULTS[key as keyof typeof DERIVED_DEFAULTS];
      expect(documented, `default of ${key}`).toBe(derived ?? (actual === undefined ? "—" : String(actual)));
    }
  });

  it("has a Quickstart of exactly two commands", () => {
    const quick = /## Quickstart\n+```bash\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(quick.trim().split("\n")).toHaveLength(2);
  });
});
