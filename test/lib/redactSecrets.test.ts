import { describe, expect, it } from "vitest";
import { isSecretKey, redactSecrets, redactText } from "../../src/lib/redactSecrets.js";

describe("redaction", () => {
  it.each([
    ["api_key"],
    ["apiKey"],
    ["OPENAI_API_KEY"],
    ["access_token"],
    ["client_secret"],
    ["password"],
    ["Authorization"],
    ["aws_secret_access_key"],
    ["hf_token"],
    ["key"],
  ])("treats %s as a secret key", (key) => expect(isSecretKey(key)).toBe(true));

  it.each([["max_tokens"], ["prompt_tokens"], ["completion_tokens"], ["keyword"], ["author"], ["reasoning_effort"], ["task_id"]])(
    "leaves %s alone",
    (key) => expect(isSecretKey(key)).toBe(false),
  );

  it.each([
    ["key sk-proj-Zq8xLkT3vBn5Mw9Rp2Yc7Hd4Jf6Gs1Ae0Uo here", "key [redacted] here"],
    ["sk-ant-api03-Xy7Wv6Ut5Sr4Qp3On2Ml1Kj0Ih9Gf8Ed", "[redacted]"],
    ["Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123", "Authorization: Bearer [redacted]"],
    ["https://bob:hunter2hunter2@proxy.example.com/v1", "https://bob:[redacted]@proxy.example.com/v1"],
    ["https://api.example.com/v1?api_key=abc123def456&x=1", "https://api.example.com/v1?api_key=[redacted]&x=1"],
    ["AKIAIOSFODNN7EXAMPLE and ghp_abcdefghijklmnopqrstuvwxyz0123456789", "[redacted] and [redacted]"],
    ["xai-AbCdEfGhIjKlMnOpQrStUvWx", "[redacted]"],
  ])("redacts credentials inside text: %s", (text, expected) => expect(redactText(text)).toBe(expected));

  it("keeps ordinary conversation text", () => {
    const text = "Your phone 555-123-2002 and line L1002: task-abcdefghijklmnopqrstuvwxyz desk-level issue, sk-short";
    expect(redactText(text)).toBe(text);
  });

  it("replaces values under secret keys at any depth, keeping the shape, and leaves untouched input alone", () => {
    const input = { llm_args: { temperature: 0, api_key: "anything", nested: [{ password: "p", ok: true }] }, token: null };
    expect(redactSecrets(input)).toEqual({
      llm_args: { temperature: 0, api_key: "[redacted]", nested: [{ password: "[redacted]", ok: true }] },
      token: null,
    });
    expect(input.llm_args.api_key).toBe("anything");
    const clean = { a: [1, { b: "c" }] };
    expect(redactSecrets(clean)).toBe(clean);
  });
});
