// What the CLI's FILE_OR_DIR arguments mean: a file is one results file; a tau2 directory run (results.json and
// simulations/) is its files; any other directory is the results files directly inside it and the directory runs
// among its folders. Each file gets a label for what is stored, without the path of this machine: its name, and in
// a directory run the directory's name too.
import { readdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { AppError } from "../../errors.js";

const RESULTS_FILE = /\.json(\.gz)?$/i;

export interface ResultsPath {
  path: string;
  label: string;
}

export async function expandPaths(paths: string[]): Promise<ResultsPath[]> {
  const files: ResultsPath[] = [];
  for (const path of paths) files.push(...(await expandPath(path)));
  return files;
}

async function expandPath(path: string): Promise<ResultsPath[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new AppError("NOT_FOUND", `${path}: no such file or directory`);
  if (!info.isDirectory()) return [{ path, label: basename(path) }];
  const entries = await readdir(path, { withFileTypes: true });
  const names = new Set(entries.map((e) => e.name));
  if (names.has("results.json")) {
    const simulations = entries.some((e) => e.isDirectory() && e.name === "simulations")
      ? (await readdir(join(path, "simulations"))).filter((n) => RESULTS_FILE.test(n)).sort()
      : [];
    // "." names the working directory; "/" has no name.
    const run = basename(resolve(path)) || "run";
    return [
      { path: join(path, "results.json"), label: `${run}/results.json` },
      ...simulations.map((n) => ({ path: join(path, "simulations", n), label: `${run}/simulations/${n}` })),
    ];
  }
  const files = entries.filter((e) => e.isFile() && RESULTS_FILE.test(e.name)).map((e) => ({ path: join(path, e.name), label: e.name }));
  const runs: ResultsPath[] = [];
  for (const folder of entries.filter((e) => e.isDirectory()).map((e) => join(path, e.name)).sort()) {
    if ((await stat(join(folder, "results.json")).catch(() => undefined))?.isFile()) runs.push(...(await expandPath(folder)));
  }
  if (files.length + runs.length === 0) {
    throw new AppError("BAD_REQUEST", `${path}: no .json or .json.gz results files in it, and no tau2 directory run`);
  }
  return [...files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), ...runs];
}
