// Secrets in results files: `info.agent_info.llm_args` and the like can hold API keys (a real leaderboard file did).
// Values under secret-looking keys, and strings that look like credentials anywhere, are replaced before anything
// is stored, sent, logged or returned.

import { REDACTED } from "./secretRedactor.js";

// Key names, compared without case, `_`, `-` or `.`: api_key, apiKey, openai_api_key, access_token, client_secret,
// password, Authorization, aws_secret_access_key, … but not max_tokens / prompt_tokens (plural counts).
const SECRET_KEY =
  /(?:apikey|secret|secretkey|password|passwd|passphrase|pwd|token|accesskey|privatekey|credential|credentials|authorization|auth|bearer|cookie|signature)$/;
const SECRET_KEY_EXACT = new Set(["key"]);

/**
 * Credentials as they appear inside text: provider key formats, bearer tokens, JWTs, URL user:password, key=….
 * No lookbehind (it makes every position a candidate start, ten times slower over a large file); the groups hold
 * the part that stays ("Bearer ", "://user:", "?key=").
 */
const SECRET_VALUE = new RegExp(
  [
    // OpenAI, Anthropic (sk-ant-…), Braintrust, DeepSeek, …; \b keeps "task-…" out.
    String.raw`\b(?:sk|rk|pk)-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_]{16,}`,
    String.raw`\b(?:xai|gsk|pplx|nvapi|r8|hf|glpat|sk_live|sk_test|rk_live)[-_][A-Za-z0-9_-]{16,}`,
    String.raw`gh[pousr]_[A-Za-z0-9]{30,}`,
    String.raw`github_pat_[A-Za-z0-9_]{30,}`,
    String.raw`(?:AKIA|ASIA)[0-9A-Z]{16}`,
    String.raw`AIza[0-9A-Za-z_-]{35}`,
    String.raw`xox[abposr]-[A-Za-z0-9-]{10,}`,
    String.raw`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
    String.raw`(Bearer\s+)[A-Za-z0-9._~+/-]{16,}=*`,
    String.raw`(:\/\/[^/\s:@"]+:)[^@\s/"]+(?=@)`,
    String.raw`([?&](?:api[_-]?key|key|token|access_token|secret|password|sig)=)[^&\s"#]+`,
    String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`,
  ].join("|"),
  "g",
);

// The same few keys ("role", "content", …) come back millions of times in a large file.
const keyVerdicts = new Map<string, boolean>();
const MAX_REMEMBERED_KEYS = 10_000;

export function isSecretKey(key: string): boolean {
  let verdict = keyVerdicts.get(key);
  if (verdict === undefined) {
    const k = key.toLowerCase().replace(/[-_.\s]/g, "");
    verdict = SECRET_KEY_EXACT.has(k) || SECRET_KEY.test(k);
    if (keyVerdicts.size < MAX_REMEMBERED_KEYS) keyVerdicts.set(key, verdict);
  }
  return verdict;
}

/** A string with every credential-looking part replaced. */
export function redactText(text: string): string {
  SECRET_VALUE.lastIndex = 0;
  if (!SECRET_VALUE.test(text)) return text;
  return text.replace(SECRET_VALUE, (_match, bearer?: string, userinfo?: string, param?: string) => {
    return (bearer ?? userinfo ?? param ?? "") + REDACTED;
  });
}

/** A copy of `value` with secrets replaced; the same object when there was nothing to replace. */
export function redactSecrets<T>(value: T): T {
  return redactValue(value) as T;
}

function redactValue(value: unknown): unknown {
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = redactValue(value[i]);
      if (next !== value[i]) (copy ??= value.slice())[i] = next;
    }
    return copy ?? value;
  }
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const k in record) {
      const v = record[k];
      const next = isSecretKey(k) && v !== null && v !== "" && typeof v !== "boolean" ? REDACTED : redactValue(v);
      if (next !== v) (copy ??= { ...record })[k] = next;
    }
    return copy ?? value;
  }
  return value;
}
