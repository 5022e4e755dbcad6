/** Turns schema validation failures into stable error codes. */
import type { Hook } from "@hono/zod-openapi";
import type { z } from "zod";
import { domainError, type DomainError, type ErrorCode } from "../core/errors";
import type { AppEnv } from "./context";
import { fail } from "./errors";

/** The first zod issue as a DomainError: unknown → unknown_parameter, absent → missing_parameter. */
export function issueToError(error: z.ZodError): DomainError {
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
  if (issue.code === "invalid_type" && (issue as { input?: unknown }).input === undefined) {
    return domainError("missing_parameter", `missing required parameter '${param}'`, param);
  }
  const custom = (issue as { params?: { code?: ErrorCode } }).params?.code;
  const message = param ? `${param}: ${issue.message}` : issue.message;
  return domainError(custom ?? "invalid_parameter", message, param);
}

/** The defaultHook for every OpenAPI route. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (!result.success) return fail(c, issueToError(result.error as z.ZodError));
};
