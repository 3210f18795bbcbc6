// Zod schemas declared on a route, through a real Fastify instance with the service's compilers and error handler.
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { registerErrorHandler } from "../../../src/server/errorHandler.js";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "../../../src/server/http/zodSchemas.js";
import { createSecretRedactor } from "../../../src/lib/secretRedactor.js";

const app = Fastify().withTypeProvider<ZodTypeProvider>();
beforeAll(async () => {
  registerErrorHandler(app, { production: true, redactor: createSecretRedactor([]) });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const body = z.object({ n: z.number().max(9) }, { error: (issue) => (issue.input === null ? "send a body" : undefined) });
  app.post("/double", { schema: { body, response: { 200: z.object({ twice: z.number() }) } } }, async (request) => ({
    twice: request.body.n * 2,
    extra: "dropped by the response schema",
  }));
  app.get("/broken", { schema: { response: { 200: z.object({ ok: z.boolean() }) } } }, async () => ({ ok: "yes" }) as never);
  await app.ready();
});
afterAll(() => app.close());

describe("route schemas", () => {
  it("hand the handler the parsed body and send what the response schema keeps", async () => {
    const res = await app.inject({ method: "POST", url: "/double", payload: { n: 4, other: 1 } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ twice: 8 });
  });

  it("answer a body that fails its schema with a 400 naming the field, and a missing body as null", async () => {
    const bad = await app.inject({ method: "POST", url: "/double", payload: { n: 10 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: "VALIDATION_FAILED", message: "Invalid request: n: Too big: expected number to be <=9" });
    const none = await app.inject({ method: "POST", url: "/double" });
    expect(none.json().error.message).toBe("Invalid request: send a body");
  });

  it("answer a response that fails its schema as the service's fault, not the caller's", async () => {
    const res = await app.inject({ method: "GET", url: "/broken" });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: "INTERNAL", message: "Internal server error", status: 500 } });
  });
});
