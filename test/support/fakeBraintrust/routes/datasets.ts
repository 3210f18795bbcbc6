// Datasets: registered by name in a project, found by id, project or name; they have no snapshots here.
import { HttpError } from "../httpError.js";
import type { Route } from "./route.js";

export const datasetRoutes: Route[] = [
  {
    method: "POST",
    path: "/api/dataset/register",
    handle: ({ body }, { store }) => {
      if (!body.dataset_name) throw new HttpError(400, "dataset_name is required");
      const p = store.project(body.project_name, body.project_id);
      return { project: p, dataset: store.registerDataset(p.id, body.dataset_name, body) };
    },
  },
  {
    method: "POST",
    path: "/api/dataset/get",
    handle: ({ body }, { store }) =>
      [...store.datasets.values()].filter(
        (d) =>
          (body.id === undefined || d.id === body.id) &&
          (body.project_id === undefined || d.project_id === body.project_id) &&
          (body.dataset_name === undefined || d.name === body.dataset_name),
      ),
  },
  { method: "POST", path: "/api/dataset_snapshot/get", handle: () => [] },
];
