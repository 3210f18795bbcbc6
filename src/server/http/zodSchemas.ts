// Routes declare their request and response schemas as zod schemas (`schema: { body, querystring, params,
// response }`). Fastify validates each request part with them before the handler runs, and the handler gets the
// parsed value with its type. A part that fails its schema is the ZodError itself: each route group's error handler
// renders it in that group's shape (the service's "Invalid request: <field>: <reason>", the Braintrust protocol's
// {"message":"Invalid request","errors":[…]}). Our own few lines rather than fastify-type-provider-zod, whose
// validator turns zod's issues into Ajv-style errors that both shapes would have to turn back.
import type { FastifyPluginAsync, FastifyPluginOptions, FastifySchemaCompiler, FastifySerializerCompiler, FastifyTypeProvider, RawServerDefault } from "fastify";
import type { z } from "zod";
import { AppError } from "../../errors.js";

export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this["schema"] extends z.ZodType ? z.output<this["schema"]> : unknown;
  serializer: this["schema"] extends z.ZodType ? z.input<this["schema"]> : unknown;
}

/** A route plugin whose routes declare zod schemas. */
export type ZodRoutes<Options extends FastifyPluginOptions> = FastifyPluginAsync<Options, RawServerDefault, ZodTypeProvider>;

// Fastify hands a missing body over as null.
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const result = schema.safeParse(data);
    return result.success ? { value: result.data } : { error: result.error };
  };

export const serializerCompiler: FastifySerializerCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const result = schema.safeParse(data);
    // The service's own answer, not the request, is wrong.
    if (!result.success) throw new AppError("INTERNAL", "The response does not match its schema", { cause: result.error });
    return JSON.stringify(result.data);
  };
