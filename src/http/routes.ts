/** The two read routes every merchant-owned resource has: a page of them, and one by id. */
import { createRoute, type z } from "@hono/zod-openapi";
import type { Scope } from "../merchants/merchant";
import { merchantAuth } from "./auth";
import { bearerSecurity, errorResponses, IdParam, jsonResponse, listOf } from "./schemas";

interface ReadRoute<I extends z.ZodTypeAny> {
  readonly path: string;
  readonly tag: string;
  readonly scope: Scope;
  readonly summary: string;
  /** The object's schema. */
  readonly item: I;
}

/** `GET <path>`: a page of the caller's objects (cursor pagination), behind `scope`. */
export function merchantListRoute<I extends z.ZodTypeAny, Q extends z.ZodObject>(
  route: ReadRoute<I> & { readonly query: Q; readonly listName: string; readonly plural: string },
) {
  return createRoute({
    method: "get",
    path: route.path,
    tags: [route.tag],
    summary: route.summary,
    security: bearerSecurity,
    middleware: [merchantAuth(route.scope)] as const,
    request: { query: route.query },
    responses: {
      200: jsonResponse(listOf(route.item, route.listName), `A page of ${route.plural}`),
      ...errorResponses(400, 401, 403),
    },
  });
}

/** `GET <path>/{id}`: one of the caller's objects (another merchant's is not found), behind `scope`. */
export function merchantGetRoute<I extends z.ZodTypeAny>(route: ReadRoute<I> & { readonly noun: string }) {
  return createRoute({
    method: "get",
    path: route.path,
    tags: [route.tag],
    summary: route.summary,
    security: bearerSecurity,
    middleware: [merchantAuth(route.scope)] as const,
    request: { params: IdParam },
    responses: { 200: jsonResponse(route.item, `The ${route.noun}`), ...errorResponses(401, 403, 404) },
  });
}
