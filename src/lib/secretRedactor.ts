// Known secrets (the service's keys, a caller's token) replaced in text, raw and in the encodings a command or an
// upstream puts them in: base64 (standard and url-safe, at each of the three byte offsets a secret can have inside
// a longer stream, as in `env | base64`), hex in either case, percent-encoding. Wrapped output (base64 at 76
// columns, `xxd -p`) is matched across its line breaks, also where they are JSON-escaped (a log line).

export const REDACTED = "[redacted]";

/** Shorter values would be replaced inside ordinary words. */
const MIN_SECRET_LENGTH = 8;

export interface SecretRedactor {
  /** The text with every secret, in every form, replaced by [redacted]. */
  text: (text: string) => string;
  /** A copy of a JSON-like value with every string redacted; the same value when nothing changed. */
  value: <T>(value: T) => T;
  /** This redactor with more secrets: a caller's token, for the run it serves. */
  with: (secrets: Iterable<string | undefined>) => SecretRedactor;
}

export interface SecretRedactorOptions {
  /** A further pass over every text after the secrets (pattern-based redaction of credential-shaped strings). */
  also?: (text: string) => string;
}

// Line breaks that wrapped output puts between any two characters, raw or JSON-escaped.
const GAP = String.raw`(?:\s|\\[nr])*`;

const escapeRegExp = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
const hexDigit = (c: string) => (/[a-f]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c);
const hexByte = (b: number) => [...b.toString(16).padStart(2, "0")].map(hexDigit).join("");

/** A pattern of the given units with a gap allowed between them. */
const joined = (units: string[]) => units.join(GAP);

/** Raw or percent-encoded, character by character, in any mix (encodeURIComponent, every byte, …). */
function rawOrPercent(secret: string): string {
  return joined(
    [...secret].map((c) => {
      const percent = [...Buffer.from(c)].map((b) => `%${hexByte(b)}`).join("");
      return `(?:${escapeRegExp(c)}|${percent}${c === " " ? "|\\+" : ""})`;
    }),
  );
}

function hex(bytes: Buffer): string {
  return joined([...bytes.toString("hex")].map(hexDigit));
}

/**
 * The base64 characters that depend on the secret alone, for each byte offset it can have in a stream: the first
 * and last one or two characters of its run also carry bits of its neighbours, and cannot be known.
 */
function base64Cores(bytes: Buffer): string[] {
  const cores = new Set<string>();
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const core = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    cores.add(core);
    cores.add(core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return [...cores].map((core) => joined([...core].map(escapeRegExp)));
}

function formsOf(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [rawOrPercent(secret), hex(bytes), ...base64Cores(bytes)];
}

const MAX_EXTENDED = 32;

const usable = (secrets: Iterable<string | undefined>) =>
  new Set([...secrets].filter((s): s is string => typeof s === "string" && s.length >= MIN_SECRET_LENGTH));

export function createSecretRedactor(secrets: Iterable<string | undefined>, options: SecretRedactorOptions = {}): SecretRedactor {
  const known = usable(secrets);
  // Longest first: where one secret contains another, the whole of the longer one goes.
  const ordered = [...known].sort((a, b) => b.length - a.length);
  const pattern = ordered.length ? new RegExp(ordered.flatMap(formsOf).join("|"), "g") : undefined;
  const also = options.also ?? ((text: string) => text);

  const text = (input: string): string => also(pattern ? input.replace(pattern, REDACTED) : input);

  const value = <T>(input: T): T => redactValue(input, text) as T;

  // A run's token is added once per case and per model client: the compiled pattern is kept for the next ones.
  const extended = new Map<string, SecretRedactor>();
  const redactor: SecretRedactor = {
    text,
    value,
    with(more) {
      const added = [...usable(more)].filter((s) => !known.has(s)).sort();
      if (added.length === 0) return redactor;
      const key = added.join("\0");
      let next = extended.get(key);
      if (!next) {
        next = createSecretRedactor([...known, ...added], options);
        if (extended.size >= MAX_EXTENDED) extended.delete(extended.keys().next().value!);
        extended.set(key, next);
      }
      return next;
    },
  };
  return redactor;
}

function redactValue(value: unknown, text: (s: string) => string): unknown {
  if (typeof value === "string") return text(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = redactValue(value[i], text);
      if (next !== value[i]) (copy ??= value.slice())[i] = next;
    }
    return copy ?? value;
  }
  const proto = value !== null && typeof value === "object" ? Object.getPrototypeOf(value) : undefined;
  if (proto === Object.prototype || proto === null) {
    const record = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const k of Object.keys(record)) {
      const next = redactValue(record[k], text);
      if (next !== record[k]) (copy ??= { ...record })[k] = next;
    }
    return copy ?? value;
  }
  return value;
}
