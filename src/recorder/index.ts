// Chooses where results go, once, from config: Braintrust when the service has its own key, else local SQLite.
// Each recorder is loaded only when chosen (the Braintrust one brings the SDK, the local one SQLite).
import { sdkModule } from "../braintrust/sdk.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { LocalStore } from "./localStore.js";
import type { Recorder } from "./types.js";

export type RecorderConfig = Pick<
  Config,
  "BRAINTRUST_API_KEY" | "BRAINTRUST_APP_URL" | "BRAINTRUST_ORG_NAME" | "BRAINTRUST_API_URL" | "DATA_DIR"
>;

const braintrustRecorder = sdkModule(() => import("./braintrust.js"));

/** `localStore`: the process's one connection to the local store, should the recorder write there. */
export async function createRecorder(
  config: RecorderConfig,
  logger: Logger,
  localStore: () => LocalStore | Promise<LocalStore> = async () => new (await import("./localStore.js")).LocalStore(config.DATA_DIR),
): Promise<Recorder> {
  if (config.BRAINTRUST_API_KEY) {
    logger.info(
      { recorder: "braintrust", appUrl: config.BRAINTRUST_APP_URL, org: config.BRAINTRUST_ORG_NAME ?? "(the key's first)" },
      "recording to Braintrust",
    );
    const { BraintrustRecorder } = await braintrustRecorder();
    return new BraintrustRecorder({
      apiKey: config.BRAINTRUST_API_KEY,
      appUrl: config.BRAINTRUST_APP_URL,
      orgName: config.BRAINTRUST_ORG_NAME,
      apiUrl: config.BRAINTRUST_API_URL,
    });
  }
  const [store, { LocalRecorder }] = await Promise.all([localStore(), import("./local.js")]);
  logger.info({ recorder: "local", path: store.path }, "BRAINTRUST_API_KEY is not set: recording locally");
  return new LocalRecorder(store);
}
