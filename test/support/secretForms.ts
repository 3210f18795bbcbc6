// Looking for a secret the way an attacker reading our output would: raw, base64 (standard or url-safe, at any
// offset of a longer stream, wrapped or not), hex in either case, percent-encoded. It decodes what it reads, so it
// shares nothing with src/lib/secretRedactor.ts, which matches encoded forms instead.

/** Encodings an upstream or a command may put a secret in. */
export const encodings: Record<string, (secret: string) => string> = {
  raw: (s) => s,
  base64: (s) => Buffer.from(s).toString("base64"),
  base64url: (s) => Buffer.from(s).toString("base64url"),
  hex: (s) => Buffer.from(s).toString("hex"),
  HEX: (s) => Buffer.from(s).toString("hex").toUpperCase(),
  url: (s) => encodeURIComponent(s),
  percentEvery: (s) => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""),
};

/** How `secret` can be read back from `text` ("raw", "hex", "url", "base64"), or undefined when it cannot. */
export function findSecret(text: string, secret: string): string | undefined {
  // Wrapped output, also as it reads inside JSON (an escaped newline).
  const flat = text.replace(/\\[nrt]|\s/g, "");
  if (flat.includes(secret)) return "raw";
  const bytes = Buffer.from(secret);
  if (flat.toLowerCase().includes(bytes.toString("hex"))) return "hex";
  if (flat.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))).includes(secret)) return "url";
  for (const run of flat.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
    // The run may start anywhere in a stream: one of four starting characters is on a byte boundary.
    for (let offset = 0; offset < 4; offset++) {
      if (Buffer.from(run.slice(offset), "base64").includes(bytes)) return "base64";
    }
  }
  return undefined;
}

/** Every secret that can be read back from `text`, with how. */
export function leaks(text: string, secrets: string[]): string[] {
  return secrets.flatMap((s) => {
    const how = findSecret(text, s);
    return how ? [`${s} (${how})`] : [];
  });
}
