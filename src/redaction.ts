// The service's one redactor: what leaves the service (responses, SSE events, the log, spans and rows, the agent's
// tool results) never carries the service's own keys, in any encoding, nor a string shaped like a credential.
import type { Config } from "./config.js";
import { redactText } from "./lib/redactSecrets.js";
import { createSecretRedactor, type SecretRedactor } from "./lib/secretRedactor.js";

export type SecretsConfig = Partial<Pick<Config, "OPENAI_API_KEY" | "BRAINTRUST_API_KEY" | "ADMIN_TOKEN">>;

export function serviceRedactor(config: SecretsConfig): SecretRedactor {
  return createSecretRedactor([config.OPENAI_API_KEY, config.BRAINTRUST_API_KEY, config.ADMIN_TOKEN], { also: redactText });
}
