/** Turns schema validation failures into stable error codes. */
import type { Hook } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { z } from "zod";
import { domainError, type DomainError, type ErrorCode } from "../core/errors";
import type { AppEnv } from "./context";
import { fail } from "./errors";

/** The first zod issue as a DomainError: unknown → unknown_parameter, absent → missing_parameter. */
export function issueToError(error: z.ZodError, input: unknown): DomainError {
  const issue = error.issues[0];
  if (!issue) return domainError("invalid_parameter", "the request is invalid");
  const param = issue.path.map(String).join(".") || undefined;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    return domainError(
      "unknown_parameter",
      `unknown parameter '${[param, key].filter(Boolean).join(".")}'`,
      key,
    );
  }
  // An absent field fails as invalid_type, or as invalid_value when it must be one of an enum's values.
  if (
    (issue.code === "invalid_type" || issue.code === "invalid_value") &&
    valueAt(input, issue.path) === undefined
  ) {
    return domainError("missing_parameter", `missing required parameter '${param}'`, param);
  }
  const custom = (issue as { params?: { code?: ErrorCode } }).params?.code;
  const message = param ? `${param}: ${issue.message}` : issue.message;
  return domainError(custom ?? "invalid_parameter", message, param);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** What the validator saw for a target, to tell an absent field from a wrong one. */
function inputOf(target: string, c: Context<AppEnv>): unknown {
  if (target === "json") {
    const raw = c.var.rawBody;
    return raw ? JSON.parse(raw) : {};
  }
  if (target === "query") return c.req.query();
  if (target === "param") return c.req.param();
  return undefined;
}

/** The defaultHook for every OpenAPI route. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (!result.success) {
    const target = (result as { target?: string }).target ?? "json";
    return fail(c, issueToError(result.error as z.ZodError, inputOf(target, c)));
  }
};
