// Execution accuracy: do two result sets denote the same answer? The rules are those of docs/sql-scoring.md §1:
// names ignored, whole columns permuted (never sorted one by one), rows compared as multisets unless the gold query
// orders them, NULL equals NULL, text never equals a number, reals equal within a tolerance.
//
// Built for 100k-row results: rows are compared through 32-bit hashes sorted in typed arrays (no string keys,
// no Map), every hash match is confirmed on the values, and column pairs are pre-filtered by cheap profiles.

export type Cell = null | number | string;

export interface FloatTolerance {
  relTol: number;
  absTol: number;
}

export interface CompareOptions {
  /** Compare rows position by position (the gold query has a top-level ORDER BY). */
  ordered: boolean;
  /** `exact` for BIRD / test-suite parity; otherwise equal within max(absTol, relTol·max(|a|,|b|)). */
  floats?: FloatTolerance | "exact";
  /** `set` drops duplicate rows on both sides first (BIRD parity). */
  rowSemantics?: "multiset" | "set";
  /** Every gold column must match a distinct predicted column; extra predicted columns are allowed (Spider 2). */
  goldColumnsSubset?: boolean;
}

export type MismatchReason = "row_count" | "column_count" | "no_column_mapping" | "values";

export type Comparison =
  | { match: true; reason: "both_empty" | "equal"; columnMapping: number[] }
  | { match: false; reason: MismatchReason };

type Tolerance = FloatTolerance | "exact";

export const DEFAULT_TOLERANCE: FloatTolerance = { relTol: 1e-6, absTol: 1e-9 };
/** Column mappings tried before giving up (many interchangeable columns would otherwise be factorial). */
const MAX_MAPPINGS = 5_000;

const decoder = new TextDecoder("utf-8");

/** SQLite values as the comparison sees them: blobs are UTF-8 text, safe bigints are numbers. */
export function normalizeCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === "number" || typeof v === "string") return v;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return decoder.decode(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  return String(v);
}

const isPlain = (v: unknown) => v === null || typeof v === "number" || typeof v === "string";
/** Rows that already hold plain cells are used as they are: no copy of a 100k-row result. */
const normalizeRows = (rows: unknown[][]): Cell[][] =>
  rows.map((row) => (row.every(isPlain) ? (row as Cell[]) : row.map(normalizeCell)));

function cellsEqual(a: Cell, b: Cell, tol: Tolerance): boolean {
  if (a === b) return true;
  if (typeof a !== "number" || typeof b !== "number" || tol === "exact") return false;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= Math.max(tol.absTol, tol.relTol * Math.max(Math.abs(a), Math.abs(b)));
}

function rowsEqual(a: Cell[], b: Cell[], tol: Tolerance): boolean {
  for (let i = 0; i < a.length; i++) if (!cellsEqual(a[i]!, b[i]!, tol)) return false;
  return true;
}

// ---- hashing -----------------------------------------------------------------------------------------------

const H_NULL = 0x9e3779b9;
const H_TEXT = 0x85ebca6b;
const H_NUMBER = 0xc2b2ae35;

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}

function textHash(s: string): number {
  let h = H_TEXT;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix(h, s.length);
}

function intHash(v: number): number {
  return mix(mix(H_NUMBER, v >>> 0), Math.floor(v / 4294967296) >>> 0);
}

/**
 * A number's hash. Reals go on a grid whose step is the largest power of ten not above their tolerance, so two
 * reals on the same grid point are always within tolerance. Two reals within tolerance may still straddle a grid
 * line: rows left over after hashing get a tolerant second look.
 */
function numberHash(v: number, tol: Tolerance): number {
  // Integer-valued reals are integers in JS (1.0 === 1), so they hash like the integers they equal.
  if (Number.isSafeInteger(v)) return intHash(v);
  if (!Number.isFinite(v)) return mix(H_NUMBER, v > 0 ? 1 : v < 0 ? 2 : 3);
  if (tol === "exact") return textHash(String(v));
  const exponent = Math.floor(Math.log10(Math.max(tol.absTol, tol.relTol * Math.abs(v))));
  const k = Math.round(v / 10 ** exponent);
  return k === 0 ? intHash(0) : mix(intHash(k), exponent + 1024);
}

function cellHash(v: Cell, tol: Tolerance): number {
  if (v === null) return H_NULL;
  return typeof v === "string" ? textHash(v) : numberHash(v, tol);
}

/** What any column equal to this one (as a multiset, within tolerance) must share with it. */
interface Profile {
  nulls: number;
  texts: number;
  /** Sum of the text hashes, mod 2^32: order-free and exact, as text comparison is. */
  textSum: number;
  min: number;
  max: number;
}

type Sorted = { hashes: Uint32Array; index: Uint32Array };

class Side {
  private readonly hashes: (Uint32Array | undefined)[];
  private readonly sortedHashes: (Uint32Array | undefined)[];
  private readonly profiles: (Profile | undefined)[];
  private rowsInOrder: Sorted | undefined;

  constructor(
    readonly rows: Cell[][],
    readonly width: number,
    private readonly tol: Tolerance,
  ) {
    this.hashes = new Array(width);
    this.sortedHashes = new Array(width);
    this.profiles = new Array(width);
  }

  /** A column's hashes, sorted: equal columns have equal arrays (unless reals straddle a grid line). */
  sortedColumn(c: number): Uint32Array {
    return (this.sortedHashes[c] ??= Uint32Array.from(this.columnHashes(c)).sort());
  }

  /** A column's text hashes and its numbers, each sorted. */
  split(c: number): [Uint32Array, Float64Array] {
    const hashes = this.columnHashes(c);
    const texts: number[] = [];
    const numbers: number[] = [];
    for (let r = 0; r < this.rows.length; r++) {
      const v = this.rows[r]![c]!;
      if (typeof v === "string") texts.push(hashes[r]!);
      else if (typeof v === "number") numbers.push(v);
    }
    return [Uint32Array.from(texts).sort(), Float64Array.from(numbers).sort()];
  }

  /** The rows, columns in their own order, sorted by hash: the gold side of every mapping tried. */
  sortedRows(): Sorted {
    return (this.rowsInOrder ??= sortedByHash(this.rowHashes(Array.from({ length: this.width }, (_, c) => c))));
  }

  columnHashes(c: number): Uint32Array {
    let h = this.hashes[c];
    if (!h) {
      h = new Uint32Array(this.rows.length);
      for (let r = 0; r < this.rows.length; r++) h[r] = cellHash(this.rows[r]![c]!, this.tol);
      this.hashes[c] = h;
    }
    return h;
  }

  profile(c: number): Profile {
    let p = this.profiles[c];
    if (!p) {
      p = { nulls: 0, texts: 0, textSum: 0, min: Infinity, max: -Infinity };
      const hashes = this.columnHashes(c);
      for (let r = 0; r < this.rows.length; r++) {
        const v = this.rows[r]![c]!;
        if (v === null) p.nulls++;
        else if (typeof v === "string") {
          p.texts++;
          p.textSum = (p.textSum + hashes[r]!) >>> 0;
        } else {
          if (v < p.min) p.min = v;
          if (v > p.max) p.max = v;
        }
      }
      this.profiles[c] = p;
    }
    return p;
  }

  /** One hash per row over the given columns, in that order. */
  rowHashes(columns: readonly number[]): Uint32Array {
    const out = new Uint32Array(this.rows.length);
    const cols = columns.map((c) => this.columnHashes(c));
    for (let r = 0; r < out.length; r++) {
      let h = H_NULL;
      for (const col of cols) h = mix(h, col[r]!);
      out[r] = h;
    }
    return out;
  }

  project(r: number, columns: readonly number[]): Cell[] {
    const row = this.rows[r]!;
    return columns.map((c) => row[c]!);
  }
}

function profilesCompatible(a: Profile, b: Profile, tol: Tolerance): boolean {
  if (a.nulls !== b.nulls || a.texts !== b.texts || a.textSum !== b.textSum) return false;
  if (a.min === Infinity || b.min === Infinity) return a.min === b.min;
  return cellsEqual(a.min, b.min, tol) && cellsEqual(a.max, b.max, tol);
}

/**
 * The hashes in sorted order, with the index of the item each came from. Hash and index are packed in one
 * double (hash in the high bits) so that the sort is a native typed-array sort.
 */
function sortedByHash(hashes: Uint32Array): Sorted {
  const indexBits = Math.max(1, Math.ceil(Math.log2(hashes.length + 1)));
  const hashShift = Math.max(0, indexBits - 21); // keep hash + index within 53 bits
  const scale = 2 ** indexBits;
  const keys = new Float64Array(hashes.length);
  for (let i = 0; i < hashes.length; i++) keys[i] = (hashes[i]! >>> hashShift) * scale + i;
  keys.sort();
  const sorted = new Uint32Array(hashes.length);
  const index = new Uint32Array(hashes.length);
  for (let i = 0; i < keys.length; i++) {
    const h = Math.floor(keys[i]! / scale);
    sorted[i] = h;
    index[i] = keys[i]! - h * scale;
  }
  return { hashes: sorted, index };
}

/**
 * Multiset equality of n gold and n predicted items: paired by hash, each pair confirmed on its values (`same`),
 * and the items hashing left unpaired (reals straddling a grid line) given a tolerant second look.
 */
function multisetsEqual(
  a: Sorted,
  b: Sorted,
  same: (gold: number, pred: number) => boolean,
  goldItem: (i: number) => Cell[],
  predItem: (i: number) => Cell[],
  tol: Tolerance,
): boolean {
  const n = a.hashes.length;
  const leftGold: number[] = [];
  const leftPred: number[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < n) {
    const hg = a.hashes[i]!;
    const hp = b.hashes[j]!;
    if (hg < hp) leftGold.push(a.index[i++]!);
    else if (hp < hg) leftPred.push(b.index[j++]!);
    else if ((i + 1 === n || a.hashes[i + 1] !== hg) && (j + 1 === n || b.hashes[j + 1] !== hg)) {
      // One of each: the usual case, kept free of allocation.
      if (!same(a.index[i]!, b.index[j]!)) {
        leftGold.push(a.index[i]!);
        leftPred.push(b.index[j]!);
      }
      i++;
      j++;
    } else {
      let i2 = i + 1;
      let j2 = j + 1;
      while (i2 < n && a.hashes[i2] === hg) i2++;
      while (j2 < n && b.hashes[j2] === hg) j2++;
      pairRun(a.index.subarray(i, i2), b.index.subarray(j, j2), same, leftGold, leftPred);
      i = i2;
      j = j2;
    }
  }
  while (i < n) leftGold.push(a.index[i++]!);
  while (j < n) leftPred.push(b.index[j++]!);
  if (leftGold.length === 0) return true;
  return tol !== "exact" && leftoversPair(leftGold.map(goldItem), leftPred.map(predItem), tol);
}

/** Pairs the items of one hash value: duplicates (usually) or a collision (rarely). */
function pairRun(
  golds: Uint32Array,
  preds: Uint32Array,
  same: (gold: number, pred: number) => boolean,
  leftGold: number[],
  leftPred: number[],
): void {
  const used = new Uint8Array(preds.length);
  let firstFree = 0;
  for (const gi of golds) {
    let k = firstFree;
    while (k < preds.length && (used[k] || !same(gi, preds[k]!))) k++;
    if (k === preds.length) leftGold.push(gi);
    else {
      used[k] = 1;
      while (firstFree < preds.length && used[firstFree]) firstFree++;
    }
  }
  used.forEach((u, k) => u || leftPred.push(preds[k]!));
}

/** A row's hash with every number as one symbol: rows within tolerance of each other always share it. */
function coarseHash(row: Cell[]): number {
  let h = H_NULL;
  for (const v of row) h = mix(h, v === null ? H_NULL : typeof v === "string" ? textHash(v) : H_NUMBER);
  return h;
}

/**
 * The tolerant second look at rows hashing left unpaired. Rows can only pair within a group that agrees on
 * everything but its numbers; inside a group, rows are paired in sorted order. A mismatch stops at its group.
 */
function leftoversPair(gold: Cell[][], pred: Cell[][], tol: FloatTolerance): boolean {
  const a = sortedByHash(Uint32Array.from(gold, coarseHash));
  const b = sortedByHash(Uint32Array.from(pred, coarseHash));
  for (let i = 0; i < a.hashes.length; ) {
    const h = a.hashes[i]!;
    let end = i;
    while (end < a.hashes.length && a.hashes[end] === h) end++;
    // The group must be exactly as large on both sides.
    if (b.hashes[i] !== h || b.hashes[end - 1] !== h || (end < b.hashes.length && b.hashes[end] === h)) return false;
    const g = Array.from(a.index.subarray(i, end), (k) => gold[k]!).sort(compareRows);
    const p = Array.from(b.index.subarray(i, end), (k) => pred[k]!).sort(compareRows);
    if (!g.every((row, k) => rowsEqual(row, p[k]!, tol))) return false;
    i = end;
  }
  return true;
}

/** A total order on cells (NULL < numbers < text), to pair leftovers after sorting. */
function compareCells(a: Cell, b: Cell): number {
  const rank = (v: Cell) => (v === null ? 0 : typeof v === "number" ? 1 : 2);
  const d = rank(a) - rank(b);
  if (d !== 0) return d;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return a! < b! ? -1 : a! > b! ? 1 : 0;
}

function compareRows(a: Cell[], b: Cell[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = compareCells(a[i]!, b[i]!);
    if (d !== 0) return d;
  }
  return 0;
}

// ---- comparison --------------------------------------------------------------------------------------------

function rowsMatch(gold: Side, pred: Side, mapping: readonly number[], opts: Required<CompareOptions>): boolean {
  if (opts.ordered) {
    for (let r = 0; r < gold.rows.length; r++) {
      const g = gold.rows[r]!;
      const p = pred.rows[r]!;
      for (let c = 0; c < mapping.length; c++) if (!cellsEqual(g[c]!, p[mapping[c]!]!, opts.floats)) return false;
    }
    return true;
  }
  const same = (gi: number, pi: number) => {
    const g = gold.rows[gi]!;
    const p = pred.rows[pi]!;
    for (let c = 0; c < mapping.length; c++) if (!cellsEqual(g[c]!, p[mapping[c]!]!, opts.floats)) return false;
    return true;
  };
  return multisetsEqual(
    gold.sortedRows(),
    sortedByHash(pred.rowHashes(mapping)),
    same,
    (r) => gold.rows[r]!,
    (r) => pred.project(r, mapping),
    opts.floats,
  );
}

/**
 * Whether gold column g may map to predicted column p. Equal sorted hashes admit the pair without looking at the
 * values: it is only a candidate, and every mapping is checked row by row on the values. Different hashes can
 * still be equal columns when reals straddle a grid line: then texts must agree exactly and numbers pairwise in
 * sorted order (which is exact for one dimension).
 */
function columnsEqual(gold: Side, g: number, pred: Side, p: number, tol: Tolerance): boolean {
  if (!profilesCompatible(gold.profile(g), pred.profile(p), tol)) return false;
  const a = gold.sortedColumn(g);
  const b = pred.sortedColumn(p);
  if (a.every((h, i) => h === b[i])) return true;
  if (tol === "exact") return false;
  const [ta, na] = gold.split(g);
  const [tb, nb] = pred.split(p);
  return ta.every((h, i) => h === tb[i]) && na.every((x, i) => cellsEqual(x, nb[i]!, tol));
}

function dedupe(rows: Cell[][], tol: Tolerance): Cell[][] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = row.map((v) => (v === null ? "N" : typeof v === "string" ? `s${v}` : `n${numberHash(v, tol)}`)).join("\u0001");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Whether `pred` denotes the same answer as `gold`. Column mappings are tried identity first (the usual case),
 * then every injection whose columns hold equal multisets of values, in a fixed order.
 */
export function compareResultSets(goldRows: unknown[][], predRows: unknown[][], options: CompareOptions): Comparison {
  const opts: Required<CompareOptions> = {
    ordered: options.ordered,
    floats: options.floats ?? DEFAULT_TOLERANCE,
    rowSemantics: options.rowSemantics ?? "multiset",
    goldColumnsSubset: options.goldColumnsSubset ?? false,
  };
  let g = normalizeRows(goldRows);
  let p = normalizeRows(predRows);
  if (g.length === 0 && p.length === 0) return { match: true, reason: "both_empty", columnMapping: [] };
  if (opts.rowSemantics === "set") {
    g = dedupe(g, opts.floats);
    p = dedupe(p, opts.floats);
  }
  if (g.length !== p.length) return { match: false, reason: "row_count" };
  const gw = g[0]!.length;
  const pw = p[0]!.length;
  if (opts.goldColumnsSubset ? pw < gw : pw !== gw) return { match: false, reason: "column_count" };

  const gold = new Side(g, gw, opts.floats);
  const pred = new Side(p, pw, opts.floats);
  const identity = Array.from({ length: gw }, (_, c) => c);
  // Profiles are a cheap necessary condition: a permuted prediction skips the row comparison under identity.
  const identityPlausible = identity.every((c) => profilesCompatible(gold.profile(c), pred.profile(c), opts.floats));
  if (identityPlausible && rowsMatch(gold, pred, identity, opts)) {
    return { match: true, reason: "equal", columnMapping: identity };
  }

  const candidates: number[][] = [];
  for (const gc of identity) {
    const fits = Array.from({ length: pw }, (_, pc) => pc).filter((pc) => columnsEqual(gold, gc, pred, pc, opts.floats));
    if (fits.length === 0) return { match: false, reason: "no_column_mapping" };
    candidates.push(fits);
  }

  const mapping: number[] = [];
  const used = new Set<number>();
  let tried = 0;
  let anyMapping = false;
  const search = (gc: number): boolean => {
    if (gc === gw) {
      anyMapping = true;
      tried++;
      return !mapping.every((pc, i) => pc === i) && rowsMatch(gold, pred, mapping, opts);
    }
    for (const pc of candidates[gc]!) {
      if (used.has(pc) || tried >= MAX_MAPPINGS) continue;
      used.add(pc);
      mapping.push(pc);
      if (search(gc + 1)) return true;
      mapping.pop();
      used.delete(pc);
    }
    return false;
  };
  if (search(0)) return { match: true, reason: "equal", columnMapping: [...mapping] };
  return { match: false, reason: anyMapping ? "values" : "no_column_mapping" };
}
