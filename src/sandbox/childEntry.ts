// Our modules that run as separate Node processes (the SQL worker, the virtual shell): the compiled .js in
// dist/, or the .ts source through tsx when the service runs from source (dev, tests).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface NodeEntry {
  script: string;
  execArgv: string[];
}

/** `module`: the module's .js URL, as `new URL("./queryWorker.js", import.meta.url)` names it beside its caller. */
export function nodeEntry(module: URL): NodeEntry {
  const js = fileURLToPath(module);
  if (existsSync(js)) return { script: js, execArgv: [] };
  const tsx = createRequire(import.meta.url).resolve("tsx");
  return { script: js.replace(/\.js$/, ".ts"), execArgv: ["--import", pathToFileURL(tsx).href] };
}
