// JSON.parse of one scanned item, with what a results file needs around it: Python's bare NaN / Infinity read as
// null, and errors that name the file, the item and the byte offset but never echo the file's text (it may hold
// secrets).
import { AppError } from "../../errors.js";

export interface ParsedItem {
  value: unknown;
  /** The item held NaN / Infinity tokens, read as null; re-reads must do the same. */
  nonFinite: boolean;
}

/**
 * Parses `bytes` (which start at absolute byte `offset` of `file`). "latin1" decoding is a plain copy, much faster
 * than UTF-8 and accepted by JSON.parse exactly when the UTF-8 text is; its strings are right only when ASCII.
 */
export function parseItem(
  bytes: Buffer,
  encoding: "latin1" | "utf8",
  where: { file: string; item: string; offset: number },
  nonFinite = false,
): ParsedItem {
  const source = nonFinite ? (replaceNonFinite(bytes) ?? bytes) : bytes;
  const text = encoding === "latin1" ? source.toString("latin1") : source.toString("utf8");
  try {
    return { value: JSON.parse(text), nonFinite };
  } catch (error) {
    if (!nonFinite) {
      const replaced = replaceNonFinite(bytes);
      if (replaced) {
        try {
          return parseItem(bytes, encoding, where, true);
        } catch {
          // Report the original error below: the NaN reading was only a guess.
        }
      }
    }
    throw invalidJson(error, text, encoding, where);
  }
}

function invalidJson(
  error: unknown,
  text: string,
  encoding: "latin1" | "utf8",
  where: { file: string; item: string; offset: number },
): AppError {
  const raw = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(raw);
  // V8 quotes the text around some errors ("Unexpected token 'b', "…" is not valid JSON"): keep only the kind.
  const reason = raw.replace(/, ".*" is not valid JSON$/s, "").replace(/ in JSON at position \d+.*$/s, "");
  let offset = where.offset;
  if (position) {
    const at = Number(position[1]);
    offset += encoding === "latin1" ? at : Buffer.byteLength(text.slice(0, at));
  }
  const message = position
    ? `${where.file}: invalid JSON at byte ${offset} (in ${where.item}): ${reason}`
    : `${where.file}: invalid JSON in ${where.item} (which starts at byte ${offset}): ${reason}`;
  return new AppError("BAD_REQUEST", message, { details: { file: where.file, offset, field: where.item } });
}

const N = 0x4e;
const I = 0x49;
const MINUS = 0x2d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NAN = Buffer.from("NaN");
const INFINITY = Buffer.from("Infinity");
const NULL = Buffer.from("null");

/** The bytes with NaN, Infinity and -Infinity outside strings replaced by null; undefined when there were none. */
export function replaceNonFinite(bytes: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let copied = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) {
      inString = true;
      continue;
    }
    let length = 0;
    if (c === N && startsWith(bytes, i, NAN)) length = NAN.length;
    else if (c === I && startsWith(bytes, i, INFINITY)) length = INFINITY.length;
    else if (c === MINUS && startsWith(bytes, i + 1, INFINITY)) length = INFINITY.length + 1;
    if (length > 0) {
      parts.push(bytes.subarray(copied, i), NULL);
      i += length - 1;
      copied = i + 1;
    }
  }
  if (parts.length === 0) return undefined;
  parts.push(bytes.subarray(copied));
  return Buffer.concat(parts);
}

function startsWith(bytes: Buffer, at: number, word: Buffer): boolean {
  return bytes.length - at >= word.length && bytes.compare(word, 0, word.length, at, at + word.length) === 0;
}
