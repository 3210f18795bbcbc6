// Headless Chromium for the viewer's end-to-end tests and benchmark: Debian's /usr/bin/chromium (installed by
// .ci/run; no browser download) driven by playwright-core, with a fresh profile and background networking off, so
// every request a page makes is one the page asked for. Each page records the requests that left the service's
// origin and every console error or uncaught exception, for the tests to assert there are none.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

/** Where failures' screenshots go (gitignored; CI keeps the folder as an artifact). */
const ARTIFACTS = join(process.cwd(), "test-results");

export interface WatchedPage {
  page: Page;
  /** Requests to anywhere but the service's origin. */
  foreign: string[];
  /** Console errors and uncaught exceptions. */
  errors: string[];
}

export interface Browser {
  context: BrowserContext;
  open(origin: string): Promise<WatchedPage>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "viewer-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    async open(origin: string) {
      const page = await context.newPage();
      // Well inside the tests' own timeout, so a missing element fails with its locator rather than a timeout.
      page.setDefaultTimeout(10_000);
      const watched: WatchedPage = { page, foreign: [], errors: [] };
      page.on("request", (request) => {
        const url = request.url();
        if (!url.startsWith(`${origin}/`) && !url.startsWith("data:") && !url.startsWith("blob:") && url !== "about:blank") watched.foreign.push(url);
      });
      page.on("console", (message) => {
        if (message.type() === "error") watched.errors.push(`console: ${message.text()}`);
      });
      page.on("pageerror", (error) => watched.errors.push(`page: ${error.message}`));
      return watched;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot of the page under test-results/, named after the test. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").slice(0, 120)}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
