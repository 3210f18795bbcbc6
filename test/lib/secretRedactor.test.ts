import { describe, expect, it } from "vitest";
import { createSecretRedactor, REDACTED } from "../../src/lib/secretRedactor.js";
import { encodings, findSecret } from "../support/secretForms.js";

const KEY = "sk-proj-Zq8x/Lm3+Wv7==Tb2Nc5Rd9Yh";
const TOKEN = "caller-token-0f9e8d7c6b5a";
const redactor = createSecretRedactor([KEY, undefined, "short"]);

describe("createSecretRedactor", () => {
  it.each(Object.keys(encodings))("replaces a secret encoded %s, alone and inside other text", (encoding) => {
    const form = encodings[encoding](KEY);
    for (const text of [form, `key=${form}; next`, `"${form}"`]) {
      const out = redactor.text(text);
      expect(out).toContain(REDACTED);
      expect(findSecret(out, KEY), out).toBeUndefined();
    }
  });

  it("finds the key at each byte offset inside a longer base64 stream, wrapped or not, standard or url-safe", () => {
    for (const prefix of ["", "A", "AB", "ABC", "PATH=/usr/bin\nHOME=/root\n"]) {
      const data = Buffer.from(`${prefix}OPENAI_API_KEY=${KEY}\nLANG=C.UTF-8\n`);
      for (const encoded of [data.toString("base64"), data.toString("base64url")]) {
        const wrapped = encoded.match(/.{1,76}/g)!.join("\n");
        const escaped = wrapped.replace(/\n/g, "\\n");
        for (const text of [encoded, wrapped, escaped]) {
          expect(findSecret(text, KEY)).toBe("base64");
          const out = redactor.text(text);
          expect(findSecret(out, KEY), out).toBeUndefined();
          // What is not the key stays: the start of the stream decodes as before.
          if (prefix.length >= 3) expect(out.slice(0, 4)).toBe(encoded.slice(0, 4));
        }
      }
    }
  });

  it("finds hex wrapped like xxd -p and percent-encoding of any mix of characters", () => {
    const hex = Buffer.from(`x=${KEY}`).toString("hex");
    expect(findSecret(redactor.text(hex.match(/.{1,60}/g)!.join("\n")), KEY)).toBeUndefined();
    const mixed = [...KEY].map((c, i) => (i % 2 ? encodeURIComponent(c) : `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join("");
    expect(redactor.text(mixed)).toBe(REDACTED);
  });

  it("leaves text without a secret as it was, and ignores values too short to be one", () => {
    const text = "short words, sk-proj-Zq8x and base64 c2stcHJvag== stay";
    expect(redactor.text(text)).toBe(text);
    expect(createSecretRedactor([]).text(KEY)).toBe(KEY);
  });

  it("adds a caller's token with `with`, leaving the original as it was", () => {
    const both = redactor.with([TOKEN, KEY]);
    const out = both.text(`${KEY} ${Buffer.from(TOKEN).toString("base64")}`);
    expect(out).toMatch(/^\[redacted\] \[redacted\]/);
    expect([findSecret(out, KEY), findSecret(out, TOKEN)]).toEqual([undefined, undefined]);
    expect(redactor.text(TOKEN)).toBe(TOKEN);
    expect(redactor.with([KEY, undefined])).toBe(redactor);
    // The same extension again is the same redactor, whatever the order it is asked in.
    expect(redactor.with([KEY, TOKEN])).toBe(both);
  });

  it("runs a further pass after the secrets", () => {
    const upper = createSecretRedactor([KEY], { also: (t) => t.toUpperCase() });
    expect(upper.text(`a ${KEY}`)).toBe(`A ${REDACTED.toUpperCase()}`);
  });

  it("redacts every string of a value, copying only what changed", () => {
    const untouched = { list: [1, "plain"], nested: { ok: true } };
    const value = { message: `failed: ${KEY}`, data: { echoed: [Buffer.from(KEY).toString("hex")] }, untouched };
    const out = redactor.value(value);
    expect(out).toEqual({ message: `failed: ${REDACTED}`, data: { echoed: [REDACTED] }, untouched });
    expect(out.untouched).toBe(untouched);
    expect(value.message).toContain(KEY);
    expect(redactor.value(untouched)).toBe(untouched);
  });
});
