import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { expect, it } from "vitest";
import { SluiceClient } from "../src/client/api";
import { verifyWebhook } from "../src/client/webhooks";
import { newId } from "../src/core/ids";
import { openDb, runBatch } from "../src/db/client";
import { insertEventStatement } from "../src/events/store";
import { EVENT_TYPES } from "../src/events/event";
import { hub, newMerchant, OPERATOR, random, testClock } from "./helpers";
import { openChannel } from "./payers";
import { chain, CHAIN_ENV, mine, mineTo } from "./regtest";
import { drain, newReceiver, verifyReceived } from "./webhooks";

const clock = testClock();
const h = hub(clock, CHAIN_ENV);

/** fetch over the app with an execution context, so waitUntil work (the immediate attempt) runs. */
const fetchWithContext = async (url: string, init?: RequestInit) => {
  const ctx = createExecutionContext();
  const res = await h.app.request(url, init, h.env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
};

it("every event type arrives at the endpoints that should get it, signed, with the full object", async () => {
  const shop = await newMerchant(h, "All Events Shop");
  const merchantReceiver = await newReceiver();
  const operatorReceiver = await newReceiver();
  const merchantEndpoint = await h.call("POST", "/v1/webhook-endpoints", {
    key: shop.key,
    body: { url: merchantReceiver.url, description: "everything" },
  });
  const operatorEndpoint = await h.call("POST", "/v1/admin/webhook-endpoints", {
    key: OPERATOR,
    body: { url: operatorReceiver.url, event_types: ["channel.opened", "channel.closed"] },
  });
  const merchantSecret: string = merchantEndpoint.body.secret;
  const operatorSecret: string = operatorEndpoint.body.secret;

  // A payer opens a channel on the regtest chain (channel.opened, a hub-level event).
  const { wallet, channelId } = await openChannel(h, 100_000);

  // invoice.created, then paid through the SDK: invoice.paid and payment.succeeded arrive at once.
  const paid = await h.call("POST", "/v1/invoices", { key: shop.key, body: { amount_msat: 2_500_000 } });
  const payer = new SluiceClient("http://hub.test", fetchWithContext);
  await drain(h);
  const before = (await merchantReceiver.requests()).length;
  const payment = await wallet.pay(payer, paid.body.bolt11);
  const immediate = (await merchantReceiver.requests()).slice(before);
  expect(immediate.map((r) => verifyReceived(merchantSecret, r).type).sort()).toEqual([
    "invoice.paid",
    "payment.succeeded",
  ]);

  // refund.created, invoice.canceled, invoice.expired.
  const refund = await h.call("POST", "/v1/refunds", {
    key: shop.key,
    body: { payment_id: payment.id, amount_msat: 500_000 },
  });
  expect(refund.status).toBe(201);
  const canceled = await h.call("POST", "/v1/invoices", { key: shop.key, body: { amount_msat: 1_000 } });
  await h.call("POST", `/v1/invoices/${canceled.body.id}/cancel`, { key: shop.key });
  const expiring = await h.call("POST", "/v1/invoices", {
    key: shop.key,
    body: { amount_msat: 1_000, expiry_seconds: 60 },
  });
  clock.advanceSeconds(61);

  // payment_link.created, payment_link.disabled.
  const link = await h.call("POST", "/v1/payment-links", { key: shop.key, body: { amount_msat: 1_000 } });
  const disabledLink = await h.call("POST", `/v1/payment-links/${link.body.id}/disable`, { key: shop.key });
  expect(disabledLink.status).toBe(200);

  // payout.*: settlement writes these in its own batches; here they go through the same outbox.
  const db = openDb(env.DB);
  const payout = { id: "po_test", object: "payout", amount_msat: 1_000_000 };
  for (const type of ["payout.pending", "payout.broadcast", "payout.confirmed", "payout.failed"] as const) {
    clock.advanceSeconds(1);
    await runBatch(db, [
      insertEventStatement(db, {
        id: newId("event", clock.nowMs(), random),
        merchantId: shop.merchantId,
        type,
        objectId: payout.id,
        dedupeKey: `${type}:${payout.id}`,
        createdAt: Math.floor(clock.nowMs() / 1000),
        object: { ...payout, status: type.split(".")[1] },
      }),
    ]);
  }

  // channel.closed: the payer takes the CLTV refund path after refund_locktime; the cron notices.
  const refundTx = await wallet.buildRefund(channelId, 2);
  await mineTo((await wallet.channel(channelId)).refundLocktime);
  await chain.broadcast(refundTx.hex);
  await mine(1);
  await drain(h);

  const merchantGot = (await merchantReceiver.requests()).map((r) => ({
    r,
    event: verifyReceived(merchantSecret, r),
  }));
  const operatorGot = (await operatorReceiver.requests()).map((r) => ({
    r,
    event: verifyReceived(operatorSecret, r),
  }));
  const byType = (got: typeof merchantGot) => {
    const out: Record<string, any[]> = {};
    for (const { event } of got) {
      out[event.type] = [...(out[event.type] ?? []), event.data.object];
    }
    return out;
  };
  const merchant = byType(merchantGot);
  const operator = byType(operatorGot);

  // Every type arrived, at the right endpoint only, once.
  expect(Object.keys(merchant).sort()).toEqual(EVENT_TYPES.filter((t) => !t.startsWith("channel.")).sort());
  expect(Object.keys(operator).sort()).toEqual(["channel.closed", "channel.opened"]);
  expect(merchant["invoice.created"]).toHaveLength(3);
  for (const [type, objects] of Object.entries({ ...merchant, ...operator })) {
    if (type !== "invoice.created") expect(objects, type).toHaveLength(1);
  }

  // Each carries the full object as it was.
  expect(merchant["invoice.created"]).toContainEqual(paid.body);
  expect(merchant["payment_link.created"]![0]).toEqual(link.body);
  expect(merchant["payment_link.disabled"]![0]).toEqual(disabledLink.body);
  expect(merchant["invoice.paid"]![0]).toMatchObject({
    id: paid.body.id,
    status: "paid",
    preimage: payment.preimage,
    payment_id: payment.id,
  });
  expect(merchant["payment.succeeded"]![0]).toMatchObject({
    id: payment.id,
    invoice_id: paid.body.id,
    amount_msat: 2_500_000,
  });
  expect(merchant["refund.created"]![0]).toEqual(refund.body);
  expect(merchant["invoice.canceled"]![0]).toMatchObject({ id: canceled.body.id, status: "canceled" });
  expect(merchant["invoice.expired"]![0]).toMatchObject({ id: expiring.body.id, status: "expired" });
  expect(merchant["payout.confirmed"]![0]).toMatchObject({ id: "po_test", status: "confirmed" });
  expect(operator["channel.opened"]![0]).toMatchObject({
    id: channelId,
    status: "open",
    capacity_sat: 100_000,
  });
  expect(operator["channel.closed"]![0]).toMatchObject({ id: channelId, status: "refunded" });

  // The SDK's receiver helper accepts every one of them too.
  for (const { r, event } of merchantGot) {
    const ts = Number(r.headers["webhook-timestamp"]);
    expect(verifyWebhook(merchantSecret, r.body, r.headers, { nowSeconds: ts }).id).toBe(event.id);
  }
  await Promise.all([merchantReceiver.close(), operatorReceiver.close()]);
});
