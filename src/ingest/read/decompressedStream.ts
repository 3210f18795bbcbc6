// An input's bytes as the validation pass reads them: decompressed when they are gzip, and refused past the limit
// of one file, counted decompressed (a small upload can become a large one).
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { AppError } from "../../errors.js";

/**
 * The chunks the validation pass is fed, from a file or out of gunzip: larger than Node's defaults (64 KiB, 16 KiB)
 * so that its work per chunk (a cancel check, a progress call) is paid less often.
 */
export const READ_CHUNK_BYTES = 1024 * 1024;

export async function startsWithGzipMagic(path: string): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** The stream's bytes, decompressed when they start with the gzip magic number. */
export async function* gunzipIfNeeded(stream: AsyncIterable<Buffer>, name: string): AsyncGenerator<Buffer> {
  const it = stream[Symbol.asyncIterator]();
  // Closed however this ends: a source left half-read (an upload refused midway) would otherwise hold its stream.
  try {
    const first = await it.next();
    if (first.done) return;
    const head: Buffer = first.value;
    const rest = async function* () {
      yield head;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    };
    if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
      yield* rest();
      return;
    }
    const gunzip = createGunzip({ chunkSize: READ_CHUNK_BYTES });
    const source = Readable.from(rest(), { objectMode: false });
    source.on("error", (e) => gunzip.destroy(e));
    source.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError("BAD_REQUEST", `${name}: invalid gzip data: ${(error as Error).message}`, { details: { file: name } });
    } finally {
      source.destroy();
    }
  } finally {
    await it.return?.();
  }
}
