/** The CSV exports: a merchant's payments, refunds and payouts over a time range, streamed page by page. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { domainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import type { Network } from "../core/network";
import type { Db } from "../db/client";
import { merchantAuth, merchantFiat, merchantId } from "../http/auth";
import type { AppEnv } from "../http/context";
import { fail } from "../http/errors";
import { bearerSecurity, errorResponses } from "../http/schemas";
import { validationHook } from "../http/validation";
import type { Scope } from "../merchants/merchant";
import { csvRow } from "./csv";
import {
  checkRange,
  PAYMENT_COLUMNS,
  PAYOUT_COLUMNS,
  parseTime,
  REFUND_COLUMNS,
  type ReportKind,
  type TimeRange,
} from "./report";
import { type Cursor, countRows, type PaymentRow, type PayoutRow, type RefundRow, reportPage } from "./store";
import { paymentCells, payoutCells, refundCells } from "./view";

const Time = z
  .string()
  .refine((s) => parseTime(s) !== null, {
    message: "must be Unix seconds, a UTC date (2026-12-01) or 2026-12-01T10:00:00Z",
  })
  .openapi({ example: "2026-12-01" });

const RangeQuery = z.strictObject({
  from: Time.openapi({ description: "Start of the range, inclusive" }),
  to: Time.openapi({ description: "End of the range, exclusive (at most 366 days after from)" }),
});

interface Spec {
  readonly kind: ReportKind;
  readonly scope: Scope;
  readonly summary: string;
  readonly columns: readonly string[];
  readonly cells: (
    row: never,
    network: Network,
    displayCurrency: string | null,
  ) => (string | number | null)[];
}

const SPECS: readonly Spec[] = [
  {
    kind: "payments",
    scope: "payments:read",
    summary: "Your payments in a time range as CSV: msat, sat and fiat value when paid",
    columns: PAYMENT_COLUMNS,
    cells: (row: PaymentRow) => paymentCells(row),
  },
  {
    kind: "refunds",
    scope: "payments:read",
    summary: "Your refunds in a time range as CSV: msat, sat and fiat value at the rate given",
    columns: REFUND_COLUMNS,
    cells: (row: RefundRow) => refundCells(row),
  },
  {
    kind: "payouts",
    scope: "payouts:read",
    summary: "Your payouts in a time range as CSV: sat, msat and their value in your display currency",
    columns: PAYOUT_COLUMNS,
    cells: (row: PayoutRow, network, display) => payoutCells(row, network, display),
  },
];

/**
 * The report as a stream: the header, then one D1 page of LIMITS.reportPageRows rows per pull, so
 * a big month never builds in memory and a client that stops reading stops the queries.
 */
function reportStream(
  db: Db,
  spec: Spec,
  owner: { merchantId: string; displayCurrency: string | null; network: Network },
  range: TimeRange,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: Cursor | null = null;
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(csvRow(spec.columns)));
      },
      async pull(controller) {
        if (done) return;
        const rows = await reportPage<{ id: string; created_at: number }>(
          db,
          spec.kind,
          owner.merchantId,
          range,
          cursor,
          LIMITS.reportPageRows,
          owner.displayCurrency,
        );
        const text = rows
          .map((r) => csvRow(spec.cells(r as never, owner.network, owner.displayCurrency)))
          .join("");
        if (text) controller.enqueue(encoder.encode(text));
        const last = rows.at(-1);
        if (rows.length < LIMITS.reportPageRows || !last) {
          done = true;
          controller.close();
        } else {
          cursor = { createdAt: last.created_at, id: last.id };
        }
      },
    },
    { highWaterMark: 0 },
  );
}

/** Mounts GET /v1/reports/{payments,refunds,payouts}.csv. */
export function reportRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  for (const spec of SPECS) {
    const route = createRoute({
      method: "get",
      path: `/v1/reports/${spec.kind}.csv`,
      tags: ["Reports"],
      summary: spec.summary,
      description: `RFC 4180 CSV (CRLF, a header row), rows oldest first; columns: ${spec.columns.join(", ")} (docs/reports.md). Cells a spreadsheet would run as a formula start with '. At most ${LIMITS.reportMaxRows} rows: a larger range is refused (report_too_large).`,
      security: bearerSecurity,
      middleware: [merchantAuth(spec.scope)] as const,
      request: { query: RangeQuery },
      responses: {
        200: { description: "The CSV", content: { "text/csv": { schema: z.string() } } },
        ...errorResponses(400, 401, 403),
      },
    });
    app.openapi(route, async (c) => {
      const query = c.req.valid("query");
      const range = checkRange(parseTime(query.from)!, parseTime(query.to)!);
      if (!range.ok) return fail(c, range.error) as never;
      const id = merchantId(c.var.principal);
      const rows = await countRows(c.var.db, spec.kind, id, range.value);
      if (rows > LIMITS.reportMaxRows) {
        return fail(
          c,
          domainError(
            "report_too_large",
            `${rows} rows is more than one export streams (${LIMITS.reportMaxRows}); split the range`,
            "from",
          ),
        ) as never;
      }
      const stream = reportStream(
        c.var.db,
        spec,
        {
          merchantId: id,
          displayCurrency: merchantFiat(c.var.principal).displayCurrency,
          network: c.var.config.network,
        },
        range.value,
      );
      return c.body(stream, 200, {
        "content-type": "text/csv; charset=utf-8; header=present",
        "content-disposition": `attachment; filename="${spec.kind}-${range.value.fromSeconds}-${range.value.toSeconds}.csv"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
    });
  }
  return app;
}
