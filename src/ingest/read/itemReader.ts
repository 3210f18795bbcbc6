// The write pass re-reads each task and simulation by the byte range the validation pass recorded, so only one
// item is in memory at a time and the file is never scanned twice.
import { ingestCancelled } from "../cancelled.js";
import { open, type FileHandle } from "node:fs/promises";
import { AppError } from "../../errors.js";
import type { ByteBudget } from "./byteBudget.js";
import { parseItem } from "./parseItem.js";

/** An item's bytes in its file: the validation pass records them, the write pass reads by them. */
export interface ItemRef {
  offset: number;
  length: number;
  /** Holds NaN / Infinity, read as null. */
  nonFinite: boolean;
}

/** Handles kept open: a directory run has a file per simulation, which would otherwise all stay open to the end. */
const OPEN_FILES = 4;

export class ItemReader {
  private readonly handles = new Map<string, FileHandle>();

  /**
   * Reading takes the item's bytes from `memory`, which the other ingests share: it waits its turn rather than
   * fail (the writing has begun), and holds nothing while it waits.
   */
  constructor(
    private readonly memory: ByteBudget,
    private readonly signal?: AbortSignal,
  ) {}

  /** The item at `ref` of `path`, parsed (secrets still in: the writer redacts what it stores). */
  async read(path: string, ref: ItemRef, item: string): Promise<unknown> {
    await this.memory.take(ref.length, this.signal).catch((cause) => {
      throw this.signal?.aborted ? ingestCancelled(cause) : cause;
    });
    try {
      const bytes = await this.bytes(path, ref, item);
      try {
        return parseItem(bytes, "utf8", { file: path, item, offset: ref.offset }, ref.nonFinite).value;
      } catch (cause) {
        // The path stays in the cause, for the log: a spool path is no business of the client's.
        throw new AppError("INTERNAL", `the file of ${item} changed while it was being ingested`, { cause });
      }
    } finally {
      this.memory.give(ref.length);
    }
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((h) => h.close()));
  }

  private async bytes(path: string, ref: ItemRef, item: string): Promise<Buffer> {
    const handle = await this.handle(path);
    const buffer = Buffer.allocUnsafe(ref.length);
    let done = 0;
    while (done < ref.length) {
      const { bytesRead } = await handle.read(buffer, done, ref.length - done, ref.offset + done);
      if (bytesRead === 0) throw new AppError("INTERNAL", `the file of ${item} is shorter than when it was validated`, { cause: path });
      done += bytesRead;
    }
    return buffer;
  }

  private async handle(path: string): Promise<FileHandle> {
    const known = this.handles.get(path);
    if (known) return known;
    if (this.handles.size >= OPEN_FILES) {
      const [oldest, handle] = this.handles.entries().next().value as [string, FileHandle];
      this.handles.delete(oldest);
      await handle.close();
    }
    const handle = await open(path, "r");
    this.handles.set(path, handle);
    return handle;
  }
}
