// A streaming JSON scanner that finds where values start and end without parsing them, so that a results file of
// any size can be parsed one item at a time: the elements of a top-level array, the elements of the arrays under
// chosen top-level keys (tau2's `tasks` and `simulations`), and every other top-level value whole.
// It checks the document's skeleton (brackets, keys, commas, the end of input); JSON.parse checks each item.

export class JsonScanError extends Error {
  override name = "JsonScanError";
  constructor(
    message: string,
    /** Absolute byte offset in the document. */
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
  }
}

/** A value over ScannerOptions.maxValueBytes. */
export class ValueTooLargeError extends JsonScanError {
  override name = "ValueTooLargeError";
  constructor(
    /** The value, as messages name it: `simulations[3]`, `"info"`, `element [0]`. */
    readonly value: string,
    readonly limit: number,
    offset: number,
  ) {
    super(`${value} is larger than ${limit} bytes`, offset);
  }
}

export interface ScannedValue {
  /** The top-level key the value sits under; null for the elements of a top-level array. */
  key: string | null;
  /** The position in a streamed array; -1 for a whole top-level value. */
  index: number;
  /** Absolute byte offset of the value's first byte. */
  offset: number;
  bytes: Buffer;
}

export interface ScannerOptions {
  /** Top-level keys whose array value is handed over element by element. */
  streamedKeys: ReadonlySet<string>;
  /** A value larger than this is refused (memory stays bounded by it). */
  maxValueBytes: number;
  /**
   * Told before the scanner keeps more bytes of a value (it may throw to refuse them), and when it lets them go:
   * once the value was handed to onValue, or when close() abandons it half-read.
   */
  holding?: { take(bytes: number): void; give(bytes: number): void };
  onValue: (value: ScannedValue) => void;
  /** Called with each top-level key as it is read (so that an empty streamed array is still seen). */
  onKey?: (key: string) => void;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

// Byte classes for the hot loop: everything else is 0 and skipped.
const C_STRING = 1;
const C_OPEN = 2;
const C_CLOSE = 3;
const C_WS = 4;
const CLASS = new Uint8Array(256);
CLASS[QUOTE] = C_STRING;
CLASS[OPEN_OBJECT] = C_OPEN;
CLASS[OPEN_ARRAY] = C_OPEN;
CLASS[CLOSE_OBJECT] = C_CLOSE;
CLASS[CLOSE_ARRAY] = C_CLOSE;
for (const ws of [0x20, 0x09, 0x0a, 0x0d]) CLASS[ws] = C_WS;

const enum State {
  Begin,
  ObjectFirst,
  ObjectNextKey,
  Key,
  Colon,
  Value,
  AfterValue,
  ArrayFirst,
  ArrayNext,
  ArrayAfter,
  Capture,
  Done,
}

const enum Capture {
  Container,
  String,
  Scalar,
}

// Far beyond any results file (about 10 levels); deeper items would overflow the stack of what walks them later.
const MAX_DEPTH = 512;

/** The index of the first unescaped quote at or after `from` (a string's content starts at `from`), or -1. */
function closingQuote(chunk: Buffer, from: number): number {
  let i = from;
  for (;;) {
    const q = chunk.indexOf(QUOTE, i);
    if (q < 0 || (backslashesBefore(chunk, q, from) & 1) === 0) return q;
    i = q + 1;
  }
}

/** How many backslashes run right before `at`, not looking before `floor`. */
function backslashesBefore(chunk: Buffer, at: number, floor: number): number {
  let b = at - 1;
  while (b >= floor && chunk[b] === BACKSLASH) b--;
  return at - 1 - b;
}

export class JsonScanner {
  /** "object" or "array" once the first byte is seen. */
  rootKind: "object" | "array" | undefined;

  private state = State.Begin;
  private base = 0; // absolute offset of the current chunk
  private inString = false;
  private escaped = false;

  private key = "";
  private keyParts: Buffer[] = [];
  private arrayKey: string | null = null;
  private arrayIndex = 0;

  private capture = Capture.Container;
  private captureKey: string | null = null;
  private captureIndex = -1;
  private captureOffset = 0;
  private captureParts: Buffer[] = [];
  private captureBytes = 0;
  private held = 0;
  private returnState = State.AfterValue;
  private stack = new Uint8Array(64);
  private depth = 0;

  constructor(private readonly options: ScannerOptions) {}

  /** Feeds the next chunk; values found in it are handed to onValue before this returns. */
  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    if (this.base === 0 && n >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    while (i < n) {
      switch (this.state) {
        case State.Begin: {
          i = this.skipWs(chunk, i);
          if (i === n) break;
          const c = chunk[i];
          if (c === OPEN_OBJECT) {
            this.rootKind = "object";
            this.state = State.ObjectFirst;
          } else if (c === OPEN_ARRAY) {
            this.rootKind = "array";
            this.arrayKey = null;
            this.arrayIndex = 0;
            this.state = State.ArrayFirst;
          } else {
            this.fail("expected a JSON object or array", i);
          }
          i++;
          break;
        }
        case State.ObjectFirst:
        case State.ObjectNextKey: {
          i = this.skipWs(chunk, i);
          if (i === n) break;
          const c = chunk[i];
          if (c === QUOTE) {
            this.keyParts = [];
            this.state = State.Key;
          } else if (c === CLOSE_OBJECT && this.state === State.ObjectFirst) {
            this.state = State.Done;
          } else {
            this.fail("expected a property name", i);
          }
          i++;
          break;
        }
        case State.Key: {
          const end = this.stringEnd(chunk, i);
          if (end < 0) {
            this.keyParts.push(chunk.subarray(i));
            i = n;
            break;
          }
          this.keyParts.push(chunk.subarray(i, end));
          this.key = this.decodeKey(i);
          this.options.onKey?.(this.key);
          this.state = State.Colon;
          i = end + 1;
          break;
        }
        case State.Colon: {
          i = this.skipWs(chunk, i);
          if (i === n) break;
          if (chunk[i] !== COLON) this.fail("expected ':' after a property name", i);
          this.state = State.Value;
          i++;
          break;
        }
        case State.Value: {
          i = this.skipWs(chunk, i);
          if (i === n) break;
          if (chunk[i] === OPEN_ARRAY && this.options.streamedKeys.has(this.key)) {
            this.arrayKey = this.key;
            this.arrayIndex = 0;
            this.state = State.ArrayFirst;
            i++;
          } else {
            this.startCapture(chunk, i, this.key, -1, State.AfterValue);
          }
          break;
        }
        case State.AfterValue: {
          i = this.skipWs(chunk, i);
          if (i === n) break;
          const c = chunk[i];
          if (c === COMMA) this.state = State.ObjectNextKey;
          else if (c === CLOSE_OBJECT) this.state = State.Done;
          else this.fail("expected ',' or '}' after a top-level value", i);
          i++;
          break;
        }
        case State.ArrayFirst:
        case State.ArrayNext: {
          i = this.skipWs(chunk, i);
          if (i === n) break;
          if (chunk[i] === CLOSE_ARRAY) {
            if (this.state === State.ArrayNext) this.fail("unexpected ']' after ','", i);
            this.closeArray();
            i++;
          } else {
            this.startCapture(chunk, i, this.arrayKey, this.arrayIndex++, State.ArrayAfter);
          }
          break;
        }
        case State.ArrayAfter: {
          i = this.skipWs(chunk, i);
          if (i === n) break;
          const c = chunk[i];
          if (c === COMMA) this.state = State.ArrayNext;
          else if (c === CLOSE_ARRAY) this.closeArray();
          else this.fail("expected ',' or ']' between array elements", i);
          i++;
          break;
        }
        case State.Capture:
          i = this.continueCapture(chunk, i);
          break;
        case State.Done: {
          i = this.skipWs(chunk, i);
          if (i < n) this.fail("unexpected data after the end of the JSON document", i);
          break;
        }
      }
    }
    this.base += n;
  }

  /** Declares the end of input; throws if the document is incomplete. */
  end(): void {
    if (this.state === State.Done) return;
    // fail() counts from the start of the last chunk, which end() has already passed.
    if (this.state === State.Begin) this.fail("empty document", 0);
    const where = this.state === State.Capture ? ` (inside ${this.describe(this.captureKey, this.captureIndex)})` : "";
    this.fail(`unexpected end of input${where}: the file is truncated`, 0);
  }

  /** Lets go of a value left half-read (the input stopped midway); nothing may be pushed after this. */
  close(): void {
    this.captureParts = [];
    this.letGo();
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.base;
  }

  private closeArray(): void {
    this.state = this.arrayKey === null ? State.Done : State.AfterValue;
  }

  private skipWs(chunk: Buffer, i: number): number {
    const n = chunk.length;
    while (i < n && CLASS[chunk[i]] === C_WS) i++;
    return i;
  }

  private startCapture(chunk: Buffer, i: number, key: string | null, index: number, returnState: State): void {
    const c = chunk[i];
    this.captureKey = key;
    this.captureIndex = index;
    this.captureOffset = this.base + i;
    this.captureParts = [];
    this.captureBytes = 0;
    this.returnState = returnState;
    this.state = State.Capture;
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      this.capture = Capture.Container;
      this.depth = 0;
    } else if (c === QUOTE) {
      this.capture = Capture.String;
      this.inString = false;
    } else if (c === COMMA || c === COLON || CLASS[c] === C_CLOSE) {
      this.fail("expected a value", i);
    } else {
      this.capture = Capture.Scalar;
    }
  }

  /** Advances the capture through the chunk; returns where the state machine continues. */
  private continueCapture(chunk: Buffer, from: number): number {
    const n = chunk.length;
    // The first chunk of a capture starts at the value; later ones at 0.
    const start = this.captureParts.length === 0 ? this.captureOffset - this.base : 0;
    let i = from;
    let end = -1; // one past the value's last byte, when found in this chunk
    if (this.capture === Capture.Container) {
      end = this.scanContainer(chunk, i);
    } else if (this.capture === Capture.String) {
      if (!this.inString) {
        this.inString = true;
        i++;
      }
      const q = this.stringEnd(chunk, i);
      if (q >= 0) {
        this.inString = false;
        end = q + 1;
      }
    } else {
      while (i < n) {
        const c = chunk[i];
        if (c === COMMA || CLASS[c] === C_CLOSE || CLASS[c] === C_WS) break;
        i++;
      }
      if (i < n) end = i;
    }
    if (end < 0) {
      this.addCapturePart(chunk.subarray(start));
      return n;
    }
    this.addCapturePart(chunk.subarray(start, end));
    const parts = this.captureParts;
    const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, this.captureBytes);
    this.captureParts = [];
    this.state = this.returnState;
    try {
      this.options.onValue({ key: this.captureKey, index: this.captureIndex, offset: this.captureOffset, bytes });
    } finally {
      this.letGo();
    }
    return end;
  }

  private addCapturePart(part: Buffer): void {
    this.captureBytes += part.length;
    if (this.captureBytes > this.options.maxValueBytes) {
      throw new ValueTooLargeError(this.describe(this.captureKey, this.captureIndex), this.options.maxValueBytes, this.captureOffset);
    }
    this.options.holding?.take(part.length);
    this.held += part.length;
    this.captureParts.push(part);
  }

  private letGo(): void {
    if (this.held === 0) return;
    this.options.holding?.give(this.held);
    this.held = 0;
  }

  /** The hot loop: brackets and strings of a nested value. Returns one past its end, or -1 at the chunk's end. */
  private scanContainer(chunk: Buffer, i: number): number {
    const n = chunk.length;
    if (this.inString) {
      const q = this.stringEnd(chunk, i);
      if (q < 0) return -1;
      this.inString = false;
      i = q + 1;
    }
    let stack = this.stack;
    let depth = this.depth;
    for (; i < n; i++) {
      const c = chunk[i];
      if (c === 0x20) continue; // indentation: most of a pretty-printed file outside strings
      const k = CLASS[c];
      if (k < C_STRING || k === C_WS) continue;
      if (k === C_STRING) {
        const q = this.stringEnd(chunk, i + 1);
        if (q < 0) {
          this.inString = true;
          this.depth = depth;
          return -1;
        }
        i = q;
      } else if (k === C_OPEN) {
        if (depth === stack.length) {
          if (depth >= MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`, i);
          const grown = new Uint8Array(depth * 2);
          grown.set(stack);
          this.stack = stack = grown;
        }
        stack[depth++] = c;
      } else {
        if (depth === 0 || stack[depth - 1] !== (c === CLOSE_OBJECT ? OPEN_OBJECT : OPEN_ARRAY)) {
          this.fail(`unexpected '${String.fromCharCode(c)}'`, i);
        }
        if (--depth === 0) {
          this.depth = 0;
          return i + 1;
        }
      }
    }
    this.depth = depth;
    return -1;
  }

  /**
   * The index of the quote that closes the string whose content starts at `from`, or -1 when the chunk ends
   * first (then `escaped` says whether the next chunk starts with an escaped byte).
   */
  private stringEnd(chunk: Buffer, from: number): number {
    let i = from;
    if (this.escaped) {
      this.escaped = false;
      i++;
    }
    const q = closingQuote(chunk, i);
    if (q < 0) this.escaped = (backslashesBefore(chunk, chunk.length, i) & 1) === 1;
    return q;
  }

  private decodeKey(at: number): string {
    const raw = this.keyParts.length === 1 ? this.keyParts[0] : Buffer.concat(this.keyParts);
    this.keyParts = [];
    try {
      return JSON.parse(`"${raw.toString("utf8")}"`) as string;
    } catch {
      this.fail("invalid property name", at);
    }
  }

  private describe(key: string | null, index: number): string {
    if (key === null) return `element [${index}]`;
    return index < 0 ? `"${key}"` : `${key}[${index}]`;
  }

  private fail(message: string, i: number): never {
    throw new JsonScanError(message, this.base + i);
  }
}
