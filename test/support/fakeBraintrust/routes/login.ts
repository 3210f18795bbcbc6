// POST /api/apikey/login: the org of a token that logs in, with the URLs the SDK then uses.
import { HttpError } from "../httpError.js";
import type { Route } from "./route.js";

export const loginRoutes: Route[] = [
  {
    method: "POST",
    path: "/api/apikey/login",
    public: true,
    handle: ({ token }, { store, url, proxyUrl }) => {
      if (!store.logsIn(token)) throw new HttpError(401, "Invalid API key");
      return {
        org_info: [
          { id: store.orgId, name: store.orgName, api_url: url, proxy_url: proxyUrl, realtime_url: null, git_metadata: { collect: "none" } },
        ],
      };
    },
  },
];
