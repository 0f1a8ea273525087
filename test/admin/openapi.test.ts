// docs/admin.openapi.json describes exactly the endpoints the admin API serves.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { ROUTES } from "../../src/admin/admin.js";
import { LIMIT_NAMES } from "../../src/admin/settings-schema.js";

const openapi = JSON.parse(readFileSync("docs/admin.openapi.json", "utf8")) as {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: { Limits: { properties: Record<string, unknown> } } };
};

it("lists every route of the admin API and nothing else", () => {
  const documented = Object.entries(openapi.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
  expect(documented.sort()).toEqual(ROUTES.map(([method, path]) => `${method} ${path}`).sort());
});

it("names every limit", () => {
  expect(Object.keys(openapi.components.schemas.Limits.properties).sort()).toEqual([...LIMIT_NAMES].sort());
});
