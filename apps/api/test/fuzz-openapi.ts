/**
 * The routes the fuzz test covers, read from the OpenAPI document the app serves, so a route
 * added later is fuzzed without touching the test.
 */

/** A JSON Schema node from the OpenAPI document, loosely typed: we only read it. */
export type JsonSchema = Record<string, unknown>;
export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}
interface Operation {
  security?: unknown[];
  parameters?: { name: string; in: string }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
}

export interface DocRoute {
  method: string;
  /** As in the document, e.g. /api/v1/pki/ca/{caId}. */
  template: string;
  secured: boolean;
  query: string[];
  /** Takes an Idempotency-Key header. */
  idempotent: boolean;
  json?: {
    schema: JsonSchema;
    required: boolean;
    /** Unknown keys are refused. */
    strict: boolean;
    /** The key's schema has exactly one JSON type, so another type is refused. */
    typed: (key: string) => boolean;
  };
  /** A body that is not JSON (OCSP's DER, say): fuzzed as raw bytes. */
  rawBodyType?: string;
}

export const routeKey = (r: { method: string; template: string }) => `${r.method} ${r.template}`;

export function resolveSchema(schema: unknown, doc: OpenApiDoc): JsonSchema {
  let node = (schema ?? {}) as JsonSchema;
  for (let hops = 0; hops < 10 && typeof node.$ref === "string"; hops++) {
    const name = node.$ref.split("/").pop() ?? "";
    node = doc.components?.schemas?.[name] ?? {};
  }
  return node;
}

function hasSingleType(schema: unknown, doc: OpenApiDoc): boolean {
  const node = resolveSchema(schema, doc);
  if (node.anyOf || node.oneOf || node.allOf || node.not || node.nullable === true) return false;
  return typeof node.type === "string";
}

/** Every operation of the document. */
export function routesOf(doc: OpenApiDoc): DocRoute[] {
  return Object.entries(doc.paths).flatMap(([template, operations]) =>
    Object.entries(operations).map(([method, op]): DocRoute => {
      const route: DocRoute = {
        method: method.toUpperCase(),
        template,
        secured: (op.security ?? []).length > 0,
        query: (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name),
        idempotent: (op.parameters ?? []).some(
          (p) => p.in === "header" && p.name.toLowerCase() === "idempotency-key",
        ),
      };
      const content = op.requestBody?.content ?? {};
      const schema = resolveSchema(content["application/json"]?.schema, doc);
      if (content["application/json"] && (schema.type === "object" || schema.properties)) {
        const props = (schema.properties ?? {}) as Record<string, unknown>;
        route.json = {
          schema,
          required: op.requestBody?.required === true,
          strict: schema.additionalProperties === false,
          typed: (key) => key in props && hasSingleType(props[key], doc),
        };
      } else if (Object.keys(content).length > 0) {
        route.rawBodyType = Object.keys(content)[0];
      }
      return route;
    }),
  );
}

/**
 * A plausible value for a schema, for routes without a hand-written valid body: the starting
 * point that mutations then damage. `idFor` supplies real IDs by field name.
 */
export function exampleFromSchema(
  schema: unknown,
  doc: OpenApiDoc,
  hint: string,
  idFor: (name: string) => string | undefined,
  depth = 0,
): unknown {
  const node = resolveSchema(schema, doc);
  if (depth > 8) return null;
  if ("const" in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0];
  if ("default" in node) return node.default;
  if ("example" in node) return node.example;
  const variants = (node.anyOf ?? node.oneOf ?? node.allOf) as unknown[] | undefined;
  if (Array.isArray(variants) && variants.length > 0) {
    return exampleFromSchema(variants[0], doc, hint, idFor, depth + 1);
  }
  const type = Array.isArray(node.type) ? node.type.find((t) => t !== "null") : node.type;
  switch (type) {
    case "object": {
      const props = (node.properties ?? {}) as Record<string, unknown>;
      // Optional fields too at the top, so the sweep reaches them; deeper, only required ones.
      const required = Array.isArray(node.required) ? (node.required as string[]) : [];
      const wanted = depth === 0 ? Object.keys(props) : required;
      return Object.fromEntries(
        wanted
          .filter((key) => key in props)
          .map((key) => [key, exampleFromSchema(props[key], doc, key, idFor, depth + 1)]),
      );
    }
    case "array": {
      const count = Math.min(3, Math.max(1, Number(node.minItems ?? 1)));
      return Array.from({ length: count }, () =>
        exampleFromSchema(node.items, doc, hint, idFor, depth + 1),
      );
    }
    case "integer":
    case "number": {
      const min = typeof node.minimum === "number" ? node.minimum : 1;
      const max = typeof node.maximum === "number" ? node.maximum : Number.MAX_SAFE_INTEGER;
      return Math.min(Math.max(min, 1), max);
    }
    case "boolean":
      return true;
    case "string": {
      const id = idFor(hint);
      if (id !== undefined) return id;
      if (node.format === "uuid") return "3c90c3cc-0d44-4b50-8888-8dd25736052a";
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
      if (node.format === "date-time") return tomorrow;
      if (node.format === "date") return tomorrow.slice(0, 10);
      if (node.format === "email") return "fuzz@example.test";
      if (node.format === "uri") return "https://example.test/fuzz";
      const min = Number(node.minLength ?? 1);
      const max = Number(node.maxLength ?? 1_000);
      return "fuzz".padEnd(Math.max(min, 4), "z").slice(0, Math.max(max, 1));
    }
    default:
      return "fuzz";
  }
}
