// A value built on first use and shared after: how the service loads what its first requests do not need.
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= build());
}
