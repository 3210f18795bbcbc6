// Who may use /admin/* and /agent: ADMIN_TOKEN, a Braintrust key of BRAINTRUST_ORG_NAME, or (with neither
// configured) loopback clients only.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { testRegistry } from "../../support/evaluators.js";
import { startService } from "../../support/service.js";

const dataDir = () => mkdtempSync(path.join(tmpdir(), "sema4-auth-"));

describe("operator routes", () => {
  it("with ADMIN_TOKEN: only that Bearer token passes", async () => {
    const svc = await startService({ deps: { registry: testRegistry() }, config: { ADMIN_TOKEN: "s3cret-admin", DATA_DIR: dataDir() } });
    try {
      const push = (headers: Record<string, string>) => fetch(`${svc.base}/admin/push-dataset`, { method: "POST", headers });
      const none = await push({});
      expect(none.status).toBe(401);
      expect((await none.json()).error.message).toMatch(/Bearer/);
      expect((await push({ authorization: "Bearer wrong" })).status).toBe(401);
      expect((await push({ authorization: "Bearer s3cret-admin" })).status).toBe(200);
    } finally {
      await svc.close();
    }
  });

  it("with BRAINTRUST_ORG_NAME: a Braintrust key that logs in to that org passes", async () => {
    const svc = await startService({ deps: { registry: testRegistry() }, config: { BRAINTRUST_ORG_NAME: "test-org", DATA_DIR: dataDir() } });
    try {
      const push = (token: string) => fetch(`${svc.base}/admin/push-dataset`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      expect((await push("sk-test")).status).toBe(200);
      expect((await push("bad-key")).status).toBe(401);
    } finally {
      await svc.close();
    }
  });

  it("with neither: loopback clients only", async () => {
    const svc = await startService({ deps: { registry: testRegistry() }, config: { DATA_DIR: dataDir() } });
    try {
      expect((await fetch(`${svc.base}/admin/push-dataset`, { method: "POST" })).status).toBe(200);
      const remote = await svc.app.inject({ method: "POST", url: "/admin/push-dataset", remoteAddress: "203.0.113.7" });
      expect(remote.statusCode).toBe(403);
      expect(remote.json().error.message).toMatch(/ADMIN_TOKEN/);
      const agent = await svc.app.inject({
        method: "POST",
        url: "/agent",
        remoteAddress: "203.0.113.7",
        payload: { question: "How many plans are there?" },
      });
      expect(agent.statusCode).toBe(403);
    } finally {
      await svc.close();
    }
  });
});
