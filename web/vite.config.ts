// The viewer's build: web/ is the root, the service serves dist/web at /ui/ (every asset from the service itself).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export const webRoot = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: webRoot,
  base: "/ui/",
  // Preact's automatic JSX runtime through Vite's own transform: no framework plugin to keep in step with Vite.
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    // One small entry, no preload polyfill fetched from elsewhere; the service's CSP allows only its own origin.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    // `npx vite web` for working on the pages: the data comes from a service running on :8300.
    proxy: { "/api": "http://127.0.0.1:8300", "/auth": "http://127.0.0.1:8300" },
  },
});
