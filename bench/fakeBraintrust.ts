// The project's own fake Braintrust API as a process of its own, for benchmarks run where ../shared/peer-bench is
// absent (docs/wire-captures.md §3): the same token and org as the shared fake. Prints its URL on the first line of
// stdout; SIGTERM stops it.
import { startFakeBraintrust } from "../test/support/fakeBraintrust.js";

const fake = await startFakeBraintrust({ orgName: "peer-org", tokens: ["sk-peer-test"] });
process.stdout.write(`${fake.url}\n`);
process.on("SIGTERM", () => {
  fake.close().then(() => process.exit(0));
});
