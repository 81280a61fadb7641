// The API's schemas by name (generated in schema.d.ts), for components and hooks.
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

/** The query parameters of a GET path, as openapi.json declares them. */
export type QueryOf<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } } ? NonNullable<Q> : never;
