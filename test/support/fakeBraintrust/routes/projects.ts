// Projects, and the names of the objects in them (get_object_info, for experiments and datasets alike).
import { HttpError } from "../httpError.js";
import type { Route } from "./route.js";

export const projectRoutes: Route[] = [
  { method: "POST", path: "/api/project/register", handle: ({ body }, { store }) => ({ project: store.project(body.project_name, body.project_id) }) },
  {
    method: "POST",
    path: "/api/project/get",
    handle: ({ body }, { store }) => {
      const p = body.id ? store.projects.get(body.id) : store.projectByName(body.project_name ?? body.name);
      return p ? [p] : [];
    },
  },
  {
    method: "GET",
    path: "/api/project",
    handle: ({ query }, { store }) => {
      const p = store.projects.get(query.id ?? "");
      if (!p) throw new HttpError(404, `Project ${query.id} not found`);
      return p;
    },
  },
  {
    method: "POST",
    path: "/api/self/get_object_info",
    handle: ({ body }, { store }) => {
      const source: ReadonlyMap<string, { id: string; name: string; project_id: string }> =
        body.object_type === "experiment" ? store.experiments : store.datasets;
      return ((body.object_ids ?? []) as string[]).flatMap((id) => {
        const o = source.get(id);
        if (!o) return [];
        const p = store.projects.get(o.project_id)!;
        return [{ object_id: o.id, object_name: o.name, parent_cols: { project: { id: p.id, name: p.name } } }];
      });
    },
  },
];
