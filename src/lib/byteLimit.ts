// A byte limit on streamed data, counted as it arrives: the chunk that takes the total past the limit throws instead
// of passing on, so nothing over the limit is ever held or written.

/** A pass-through for byte streams whose one count is shared by every stream given to it (the files of one upload). */
export function byteLimit(limit: number, tooLarge: () => Error): (chunks: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  let total = 0;
  return async function* limited(chunks) {
    for await (const chunk of chunks) {
      total += chunk.length;
      if (total > limit) throw tooLarge();
      yield chunk;
    }
  };
}
