/**
 * Schema validation with two rules: bodies are never coerced (a number sent
 * as "5" is a 400 naming the field), while query strings and path parameters,
 * which are text by nature, are coerced to the declared type. Unknown
 * properties are refused, never silently dropped.
 */
import { Ajv, type Options } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifyInstance, FastifySchema } from "fastify";

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function newAjv(coerceTypes: Options["coerceTypes"]): Ajv {
  const ajv = new Ajv({ coerceTypes, removeAdditional: false, useDefaults: true, allErrors: false, strict: false });
  addFormats(ajv);
  return ajv;
}

export function installValidation(app: FastifyInstance): void {
  const strict = newAjv(false);
  const coercing = newAjv("array");
  app.setValidatorCompiler<FastifySchema>(({ schema, httpPart }) => {
    const ajv = httpPart === "body" ? strict : coercing;
    return ajv.compile(schema as object);
  });
}
