// The viewer's shell: the header with its links, and the page the address names.
import { useEffect } from "preact/hooks";
import { viewerLinks } from "../../src/viewer/links.js";
import { parseRoute, useLocation } from "./lib/router.js";
import { ComparePage } from "./pages/ComparePage.js";
import { ExperimentPage } from "./pages/ExperimentPage.js";
import { ExperimentsPage } from "./pages/ExperimentsPage.js";
import { AgentRunsPage } from "./pages/AgentRunsPage.js";
import { TracePage } from "./pages/TracePage.js";

export function App() {
  const place = useLocation();
  const route = parseRoute(place.pathname, place.search);
  useEffect(() => {
    document.title = `${TITLES[route.page]} · sema4-demo results`;
  }, [route.page]);
  return (
    <>
      <a class="skip-link" href="#content">
        Skip to content
      </a>
      <header class="site">
        <a class="brand" href={viewerLinks.experiments()}>
          sema4-demo results
        </a>
        <nav aria-label="Main">
          <a href={viewerLinks.experiments()} aria-current={route.page === "experiments" ? "page" : undefined}>
            Experiments
          </a>
          <a href={viewerLinks.logs()} aria-current={route.page === "logs" ? "page" : undefined}>
            Agent runs
          </a>
        </nav>
        <form method="post" action={viewerLinks.signOut()} class="sign-out">
          <button type="submit" class="link-button">
            Sign out
          </button>
        </form>
      </header>
      {route.page === "experiments" && <ExperimentsPage place={place} />}
      {route.page === "logs" && <AgentRunsPage place={place} />}
      {route.page === "experiment" && <ExperimentPage key={route.id} id={route.id} place={place} />}
      {route.page === "trace" && <TracePage key={`${route.objectType}/${route.objectId}/${route.rootSpanId}`} route={route} place={place} />}
      {route.page === "compare" && <ComparePage route={route} place={place} />}
      {route.page === "notFound" && (
        <main id="content">
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <a href={viewerLinks.experiments()}>See the experiments.</a>
          </p>
        </main>
      )}
    </>
  );
}

const TITLES: Record<ReturnType<typeof parseRoute>["page"], string> = {
  experiments: "Experiments",
  logs: "Agent runs",
  experiment: "Experiment",
  trace: "Trace",
  compare: "Comparison",
  notFound: "Not found",
};
