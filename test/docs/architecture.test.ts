// ARCHITECTURE.md is the map: every folder of src/ is named in it, and every file path it names exists.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..", "..");
const map = readFileSync(path.join(root, "ARCHITECTURE.md"), "utf8");

function folders(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => [`${dir}/${e.name}`, ...folders(`${dir}/${e.name}`)]);
}

describe("ARCHITECTURE.md", () => {
  it("names every folder of src/", () => {
    // A folder is named by its path from the repository (src/ingest/read) or from its parent (`read/` in the row of src/ingest/).
    const unnamed = folders("src").filter((f) => !map.includes(f) && !map.includes(`\`${path.basename(f)}/\``));
    expect(unnamed).toEqual([]);
  });

  it("names only paths that exist", () => {
    const named = [...map.matchAll(/`((?:src|test|bench|docs)\/[^`\s]*)`/g)].map((m) => m[1]!.replace(/[/:]+$/, ""));
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((p) => !existsSync(path.join(root, p)))).toEqual([]);
  });
});
