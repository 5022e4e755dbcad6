/** Schemas shared by every route: errors, lists, pagination. They validate requests and generate openapi/. */
import { z } from "@hono/zod-openapi";
import type { ErrorCode } from "../core/errors";
import { type IdKind, isId } from "../core/ids";
import { LIMITS } from "../core/limits";

export const ErrorSchema = z
  .object({
    error: z.object({
      type: z.string().openapi({ example: "invalid_request_error" }),
      code: z.string().openapi({ example: "invalid_parameter" }),
      message: z.string(),
      param: z.string().optional(),
    }),
  })
  .openapi("Error");

/** The error responses a route can give, for its OpenAPI description. */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 429 | 503)[]) {
  const descriptions: Record<number, string> = {
    400: "Invalid request",
    401: "Missing or invalid credentials",
    403: "Credentials lack the needed scope",
    404: "Not found",
    409: "Conflicts with the current state",
    410: "Gone (expired)",
    413: "Body too large",
    422: "Idempotency key reused with a different request",
    429: "Too many requests",
    503: "A dependency is unavailable (the Bitcoin node; for fiat prices, a fresh exchange rate); nothing changed, retry",
  };
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: descriptions[s]!, content: { "application/json": { schema: ErrorSchema } } },
    ]),
  );
}

/** Attaches a stable error code to a custom zod issue. */
export const withCode = (code: ErrorCode) => ({ params: { code } });

/** `limit` + `starting_after` query parameters for a list of ids of one kind. */
export function pageQuery(kind: IdKind) {
  return {
    limit: z
      .string()
      .regex(/^\d{1,3}$/, "limit must be an integer from 1 to 100")
      .transform(Number)
      .pipe(z.number().int().min(1).max(LIMITS.maxPageSize))
      .optional()
      .openapi({ type: "integer", minimum: 1, maximum: LIMITS.maxPageSize, example: LIMITS.defaultPageSize }),
    starting_after: z
      .string()
      .superRefine((value, ctx) => {
        if (!isId(kind, value)) {
          ctx.addIssue({
            code: "custom",
            message: `starting_after must be a ${kind} id`,
            ...withCode("invalid_cursor"),
          });
        }
      })
      .optional()
      .openapi({ description: "Cursor: the id of the last object of the previous page" }),
  };
}

/** The list envelope `{object: "list", data, has_more}`. */
export const listOf = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z.object({ object: z.literal("list"), data: z.array(item), has_more: z.boolean() }).openapi(name);

/** Renders a page from `limit + 1` fetched rows. */
export function renderList<T, V>(rows: readonly T[], limit: number, render: (row: T) => V) {
  return { object: "list" as const, data: rows.slice(0, limit).map(render), has_more: rows.length > limit };
}

export const IdParam = z.object({ id: z.string().min(1).max(64) });

export const bearerSecurity = [{ bearerAuth: [] }];

/** An OpenAPI JSON response entry. */
export const jsonResponse = <T>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** An OpenAPI required JSON request body. */
export const jsonRequest = <T>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});
