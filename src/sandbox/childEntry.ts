// Our modules that run as separate Node processes (the SQL worker, the virtual shell): the compiled .js next
// to this file in dist/, or the .ts source through tsx when the service runs from source (dev, tests).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface NodeEntry {
  script: string;
  execArgv: string[];
}

export function nodeEntry(name: string): NodeEntry {
  const js = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  if (existsSync(js)) return { script: js, execArgv: [] };
  const ts = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const tsx = createRequire(import.meta.url).resolve("tsx");
  return { script: ts, execArgv: ["--import", pathToFileURL(tsx).href] };
}
