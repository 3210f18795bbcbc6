// What a page shows while its data loads, when the data cannot be read, and when there is nothing.
import type { ComponentChildren } from "preact";
import type { Resource } from "../api/useResource.js";

export function Failure({ error }: { error: Error }) {
  return (
    <div class="failure" role="alert">
      <strong>Could not load this page.</strong> {error.message}
    </div>
  );
}

/** Renders the data once there is some; a spinner before, the error when the first load fails. */
export function Loaded<T>({ resource, children }: { resource: Resource<T>; children: (data: T) => ComponentChildren }) {
  if (resource.data === undefined) {
    if (resource.state === "failed") return <Failure error={resource.error} />;
    return (
      <p class="loading" aria-live="polite">
        Loading…
      </p>
    );
  }
  return (
    <>
      {resource.state === "failed" && <Failure error={resource.error} />}
      {children(resource.data)}
    </>
  );
}
