// What the CLI's FILE_OR_DIR arguments mean: a file is one results file; a tau2 directory run (results.json and
// simulations/) is its files; any other directory is the results files directly inside it.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { AppError } from "../errors.js";

const RESULTS_FILE = /\.json(\.gz)?$/i;

export async function expandPaths(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) files.push(...(await expandPath(path)));
  return files;
}

async function expandPath(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new AppError("NOT_FOUND", `${path}: no such file or directory`);
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const names = new Set(entries.map((e) => e.name));
  if (names.has("results.json")) {
    const simulations = entries.some((e) => e.isDirectory() && e.name === "simulations")
      ? (await readdir(join(path, "simulations"))).filter((n) => RESULTS_FILE.test(n)).sort()
      : [];
    return [join(path, "results.json"), ...simulations.map((n) => join(path, "simulations", n))];
  }
  const files = entries.filter((e) => e.isFile() && RESULTS_FILE.test(e.name)).map((e) => join(path, e.name));
  if (files.length === 0) throw new AppError("BAD_REQUEST", `${path}: no .json or .json.gz results files in it`);
  return files.sort();
}
