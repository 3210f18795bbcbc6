// .ci/run, the second Quickstart line: `npm ci` only when node_modules was not installed from this package-lock.json,
// so running it beside `npm start` does not delete the tree under the service. Run on a copy of the script, with an
// `npm` on PATH that records its calls (and does what `npm ci` does to node_modules), in a temporary folder.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

function checkout() {
  const root = mkdtempSync(path.join(tmpdir(), "sema4-ci-run-"));
  mkdirSync(path.join(root, ".ci"));
  copyFileSync(".ci/run", path.join(root, ".ci/run"));
  writeFileSync(path.join(root, "package-lock.json"), '{"lockfileVersion":3}\n');
  const bin = path.join(root, "bin");
  mkdirSync(bin);
  const calls = path.join(root, "npm-calls");
  // `npm ci` removes node_modules and installs it again: the old stamp goes with it.
  writeFileSync(
    path.join(bin, "npm"),
    `#!/bin/sh\necho "$*" >> "${calls}"\nif [ "$1" = ci ]; then rm -rf node_modules && mkdir node_modules; fi\n`,
  );
  // Present, so that the script installs no OS packages.
  for (const tool of ["bwrap", "sqlite3"]) writeFileSync(path.join(bin, tool), "#!/bin/sh\n");
  for (const tool of ["npm", "bwrap", "sqlite3"]) chmodSync(path.join(bin, tool), 0o755);
  const run = () => {
    const r = spawnSync("bash", [".ci/run"], { cwd: root, env: { PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  const npmCalls = () => (existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : []);
  return { root, run, npmCalls };
}

describe(".ci/run", () => {
  it("installs on a fresh clone, skips npm ci while the tree is current, installs again when the lock changes", () => {
    const { root, run, npmCalls } = checkout();
    run();
    expect(npmCalls()).toEqual(["ci --no-audit --no-fund", "run check", "test"]);
    expect(existsSync(path.join(root, "node_modules/.sema4-lock-hash"))).toBe(true);

    expect(run()).toMatch(/node_modules is current with package-lock.json: npm ci skipped/);
    expect(npmCalls().slice(3)).toEqual(["run check", "test"]);

    writeFileSync(path.join(root, "package-lock.json"), '{"lockfileVersion":3,"packages":{}}\n');
    run();
    expect(npmCalls().slice(5)).toEqual(["ci --no-audit --no-fund", "run check", "test"]);
  });

  it("installs when node_modules exists without a stamp (installed by hand, or by an older .ci/run)", () => {
    const { root, run, npmCalls } = checkout();
    mkdirSync(path.join(root, "node_modules"));
    run();
    expect(npmCalls()).toEqual(["ci --no-audit --no-fund", "run check", "test"]);
  });
});
