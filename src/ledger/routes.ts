/** Operator view of the ledger invariant. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { operatorAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { bearerSecurity, errorResponses, jsonResponse } from "../http/schemas";
import { validationHook } from "../http/validation";
import { checkLedger } from "./invariants";

const LedgerReportSchema = z
  .object({
    ok: z.boolean(),
    violations: z.array(z.string()),
    liabilities_msat: z.number().int(),
    equity_msat: z.number().int(),
    held_on_chain_msat: z.number().int(),
  })
  .openapi("LedgerReport");

const route = createRoute({
  method: "get",
  path: "/v1/admin/ledger",
  tags: ["Operator"],
  summary: "Check the ledger invariant now (DESIGN.md §2)",
  security: bearerSecurity,
  middleware: [operatorAuth] as const,
  responses: {
    200: jsonResponse(LedgerReportSchema, "The invariant and any violations"),
    ...errorResponses(401),
  },
});

/** Mounts the ledger route. */
export function ledgerRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(route, async (c) => {
    const r = await checkLedger(c.var.db);
    return c.json(
      {
        ok: r.ok,
        violations: r.violations,
        liabilities_msat: Number(r.liabilitiesMsat),
        equity_msat: Number(r.equityMsat),
        held_on_chain_msat: Number(r.heldOnChainMsat),
      },
      200,
    );
  });
  return app;
}
