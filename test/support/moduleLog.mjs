// `node --import ./test/support/moduleLog.mjs …`: appends the URL of every module the process loads through the
// ES module loader (its own, and the CommonJS packages it imports) to the file MODULE_LOG names.
import { register } from "node:module";

const hooks = `
import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  const loaded = await next(url, context);
  appendFileSync(${JSON.stringify(process.env.MODULE_LOG ?? "/dev/null")}, url + "\\n");
  return loaded;
}
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
