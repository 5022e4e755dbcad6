import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { guardChanged, isGuardAbort, openDb, rawStatement, runBatch } from "../src/db/client";
import { cancelStatements } from "../src/invoices/store";
import { hub, newMerchant, testClock } from "./helpers";

const count = async (sql: string, ...params: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>())!.n;

describe("batch guards (DESIGN.md §7)", () => {
  it("a guard after an UPDATE that matched no row aborts the whole batch, earlier statements included", async () => {
    const db = openDb(env.DB);
    const before = await count("SELECT count(*) AS n FROM merchants");
    const batch = runBatch(db, [
      rawStatement(
        db,
        "INSERT INTO merchants (id, name, created_at) VALUES (?, ?, ?)",
        "mer_guardtest",
        "x",
        1,
      ),
      rawStatement(db, "UPDATE invoices SET status = 'canceled' WHERE id = ?", "inv_missing"),
      guardChanged(db, "invoice_not_open"),
    ]);
    const error = await batch.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isGuardAbort(error)).toBe(true);
    expect(await count("SELECT count(*) AS n FROM merchants")).toBe(before);
  });

  it("a guard after an UPDATE that matched its row lets the batch commit", async () => {
    const db = openDb(env.DB);
    await runBatch(db, [
      rawStatement(
        db,
        "INSERT INTO merchants (id, name, created_at) VALUES (?, ?, ?)",
        "mer_guardok",
        "x",
        1,
      ),
      rawStatement(db, "UPDATE merchants SET name = 'y' WHERE id = ?", "mer_guardok"),
      guardChanged(db, "merchant_missing"),
    ]);
    expect(await count("SELECT count(*) AS n FROM merchants WHERE id = 'mer_guardok' AND name = 'y'")).toBe(
      1,
    );
  });

  it("a cancel racing a payment is aborted with its event, leaving the paid invoice untouched", async () => {
    const h = hub(testClock());
    const { key } = await newMerchant(h);
    const inv = (await h.call("POST", "/v1/invoices", { key, body: { amount_msat: 1_000 } })).body;
    // The payment lands between the cancel's read and its write.
    await env.DB.prepare("UPDATE invoices SET status = 'paid', paid_at = 1 WHERE id = ?").bind(inv.id).run();
    const db = openDb(env.DB);
    const stale = { id: inv.id, canceledAt: 5 } as Parameters<typeof cancelStatements>[1];
    const eventsBefore = await count("SELECT count(*) AS n FROM events WHERE object_id = ?", inv.id);
    const error = await runBatch(db, [
      ...cancelStatements(db, stale, 0),
      rawStatement(
        db,
        "INSERT INTO events (id, merchant_id, type, object_id, dedupe_key, created_at, data) VALUES ('evt_x', NULL, 'invoice.canceled', ?, 'k', 0, '{}')",
        inv.id,
      ),
    ]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isGuardAbort(error)).toBe(true);
    expect(await count("SELECT count(*) AS n FROM invoices WHERE id = ? AND status = 'paid'", inv.id)).toBe(
      1,
    );
    expect(await count("SELECT count(*) AS n FROM events WHERE object_id = ?", inv.id)).toBe(eventsBefore);
  });
});
