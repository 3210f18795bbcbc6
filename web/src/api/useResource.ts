// Loads what a page shows and keeps the last answer while the next one loads, so a filter change does not blank
// the page. An answer to an older key (the reader typed on) is dropped.
import { useEffect, useState } from "preact/hooks";

export type Resource<T> =
  | { state: "loading"; data: T | undefined }
  | { state: "ready"; data: T }
  | { state: "failed"; error: Error; data: T | undefined };

export function useResource<T>(key: string, load: (signal: AbortSignal) => Promise<T>): Resource<T> {
  const [resource, setResource] = useState<Resource<T>>({ state: "loading", data: undefined });
  useEffect(() => {
    const controller = new AbortController();
    setResource((r) => ({ state: "loading", data: r.data }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setResource({ state: "ready", data });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setResource((r) => ({ state: "failed", error: error instanceof Error ? error : new Error(String(error)), data: r.data }));
      },
    );
    return () => controller.abort();
  }, [key]);
  return resource;
}
