import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests start real servers and child processes; two cores are all CI has.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "service", include: ["test/**/*.test.ts"], exclude: ["test/web/**"] } },
      {
        extends: true,
        // The pages' components in a DOM (happy-dom), with Preact's JSX as the build compiles it.
        oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
        test: {
          name: "web",
          include: ["test/web/**/*.test.{ts,tsx}"],
          environment: "happy-dom",
          environmentOptions: { happyDOM: { url: "http://127.0.0.1/ui/" } },
        },
      },
    ],
  },
});
