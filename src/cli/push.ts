// npm run push:dataset | npm run push:prompt
// The same upserts as POST /admin/push-dataset and /admin/push-prompt, without HTTP.
import { loadProcessConfig } from "../config.js";
import { messageOf } from "../errors.js";
import { pushSqlDataset, pushSystemPrompt } from "../evals/sema4-demo/push.js";
import { createCliLogger } from "../logger.js";
import { Services } from "../services.js";

const USAGE = `Usage: tsx src/cli/push.ts dataset|prompt   (npm run push:dataset, npm run push:prompt)

Writes to Braintrust when BRAINTRUST_API_KEY is set, else to the local store under DATA_DIR.`;

async function main(what: string | undefined): Promise<number> {
  if (what !== "dataset" && what !== "prompt") {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadProcessConfig();
  // Only warnings: stdout says what was written and where.
  const services = new Services(config, { logger: createCliLogger(config) });
  const recorder = await services.recorder();
  const where = (store: string) => (store === "braintrust" ? "Braintrust" : `the local store under ${config.DATA_DIR}`);
  try {
    if (what === "dataset") {
      const r = await pushSqlDataset(recorder, config.BRAINTRUST_PROJECT);
      process.stdout.write(`dataset "${r.dataset}" of project "${r.project}" in ${where(r.store)}: ${r.rows} rows, ${r.new_rows} new\n`);
    } else {
      const r = await pushSystemPrompt(recorder, config.BRAINTRUST_PROJECT, config.AGENT_MODEL);
      process.stdout.write(`prompt "${r.slug}" of project "${r.project}" in ${where(r.store)}: ${r.changed ? "saved" : "unchanged"}\n`);
    }
    return 0;
  } catch (e) {
    process.stderr.write(`push failed: ${messageOf(e)}\n`);
    return 1;
  } finally {
    await services.close();
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`push failed: ${messageOf(e)}\n`);
    process.exit(1);
  },
);
