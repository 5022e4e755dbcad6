/**
 * Drizzle mirror of the tables that store modules query through drizzle. migrations/*.sql is the
 * source of truth (docs/storage.md explains it); tables written only with raw SQL (settlement,
 * ledger, rates, webhook attempts) have no mirror here. test/schema.test.ts compares every table
 * below, column by column, with the migrated database, and names the raw-SQL tables, so a
 * migration that this file does not follow fails.
 */
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const merchants = sqliteTable("merchants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at").notNull(),
  feeBaseMsat: integer("fee_base_msat"),
  feePpm: integer("fee_ppm"),
  payoutScriptPubkey: text("payout_script_pubkey"),
  payoutThresholdMsat: integer("payout_threshold_msat"),
  displayCurrency: text("display_currency"),
  rateSpreadPpm: integer("rate_spread_ppm").notNull().default(0),
});

export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  merchantId: text("merchant_id").notNull(),
  prefix: text("prefix").notNull(),
  keyHash: text("key_hash").notNull(),
  scopes: text("scopes").notNull(),
  label: text("label"),
  createdAt: integer("created_at").notNull(),
  revokedAt: integer("revoked_at"),
});

export const invoices = sqliteTable("invoices", {
  id: text("id").primaryKey(),
  merchantId: text("merchant_id").notNull(),
  status: text("status", { enum: ["open", "paid", "expired", "canceled"] }).notNull(),
  amountMsat: integer("amount_msat").notNull(),
  description: text("description"),
  descriptionHash: text("description_hash"),
  paymentHash: text("payment_hash").notNull(),
  paymentSecret: text("payment_secret").notNull(),
  preimage: text("preimage").notNull(),
  bolt11: text("bolt11").notNull(),
  expirySeconds: integer("expiry_seconds").notNull(),
  createdAt: integer("created_at").notNull(),
  expiresAt: integer("expires_at").notNull(),
  paidAt: integer("paid_at"),
  canceledAt: integer("canceled_at"),
  expiredAt: integer("expired_at"),
  metadata: text("metadata").notNull(),
  orderId: text("order_id"),
  paymentId: text("payment_id"),
  checkoutUrl: text("checkout_url"),
  successUrl: text("success_url"),
  publicMetadataKeys: text("public_metadata_keys").notNull(),
  priceCurrency: text("price_currency"),
  priceAmountMinor: integer("price_amount_minor"),
  rateCurrency: text("rate_currency"),
  rateBtcPriceMinor: integer("rate_btc_price_minor"),
  rateSpreadPpm: integer("rate_spread_ppm"),
  rateSource: text("rate_source"),
  rateFetchedAt: integer("rate_fetched_at"),
});

export const events = sqliteTable("events", {
  id: text("id").primaryKey(),
  merchantId: text("merchant_id"),
  type: text("type").notNull(),
  objectId: text("object_id").notNull(),
  dedupeKey: text("dedupe_key").notNull(),
  createdAt: integer("created_at").notNull(),
  data: text("data").notNull(),
});

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    fingerprint: text("fingerprint").notNull(),
    state: text("state", { enum: ["in_progress", "done"] }).notNull(),
    statusCode: integer("status_code"),
    responseBody: text("response_body"),
    createdAt: integer("created_at").notNull(),
    lockedUntil: integer("locked_until").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);

export const channels = sqliteTable("channels", {
  id: text("id").primaryKey(),
  status: text("status").notNull(),
  payerPubkey: text("payer_pubkey").notNull(),
  hubPubkey: text("hub_pubkey").notNull(),
  refundLocktime: integer("refund_locktime").notNull(),
  witnessScript: text("witness_script").notNull(),
  fundingScriptPubkey: text("funding_script_pubkey").notNull(),
  capacitySat: integer("capacity_sat").notNull(),
  refundScriptPubkey: text("refund_script_pubkey").notNull(),
  seq: integer("seq").notNull(),
  payerBalanceMsat: integer("payer_balance_msat").notNull(),
  stateSighashType: integer("state_sighash_type"),
  stateSignature: text("state_signature"),
  fundingTxid: text("funding_txid"),
  fundingVout: integer("funding_vout"),
  fundingConfirmations: integer("funding_confirmations").notNull(),
  fundingVerifiedAt: integer("funding_verified_at"),
  fundingErrorCode: text("funding_error_code"),
  fundingErrorMessage: text("funding_error_message"),
  createdAt: integer("created_at").notNull(),
  offerExpiresAt: integer("offer_expires_at").notNull(),
  openedAt: integer("opened_at"),
  closeRequestedAt: integer("close_requested_at"),
  closedAt: integer("closed_at"),
  settlementId: text("settlement_id"),
  closeReason: text("close_reason", { enum: ["expiring", "exhausted", "requested"] }),
});

export const payments = sqliteTable("payments", {
  id: text("id").primaryKey(),
  merchantId: text("merchant_id").notNull(),
  invoiceId: text("invoice_id").notNull(),
  channelId: text("channel_id").notNull(),
  seq: integer("seq").notNull(),
  amountMsat: integer("amount_msat").notNull(),
  feeMsat: integer("fee_msat").notNull(),
  payerBalanceMsat: integer("payer_balance_msat").notNull(),
  sighashType: integer("sighash_type").notNull(),
  signature: text("signature").notNull(),
  receiptSignature: text("receipt_signature").notNull(),
  refundedMsat: integer("refunded_msat").notNull(),
  createdAt: integer("created_at").notNull(),
  fiatCurrency: text("fiat_currency"),
  fiatAmountMinor: integer("fiat_amount_minor"),
  fiatBtcPriceMinor: integer("fiat_btc_price_minor"),
});

export const refunds = sqliteTable("refunds", {
  id: text("id").primaryKey(),
  merchantId: text("merchant_id").notNull(),
  paymentId: text("payment_id").notNull(),
  channelId: text("channel_id").notNull(),
  amountMsat: integer("amount_msat").notNull(),
  reason: text("reason"),
  createdAt: integer("created_at").notNull(),
  fiatCurrency: text("fiat_currency"),
  fiatAmountMinor: integer("fiat_amount_minor"),
  fiatBtcPriceMinor: integer("fiat_btc_price_minor"),
  fiatRateBasis: text("fiat_rate_basis", { enum: ["original", "current"] }),
});

export const webhookEndpoints = sqliteTable("webhook_endpoints", {
  id: text("id").primaryKey(),
  merchantId: text("merchant_id"),
  url: text("url").notNull(),
  description: text("description"),
  eventTypes: text("event_types").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  disabledReason: text("disabled_reason", { enum: ["manual", "gone", "failing"] }),
  secret: text("secret").notNull(),
  previousSecret: text("previous_secret"),
  previousSecretExpiresAt: integer("previous_secret_expires_at"),
  failedDeliveries: integer("failed_deliveries").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  deletedAt: integer("deleted_at"),
});

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    eventId: text("event_id").notNull(),
    endpointId: text("endpoint_id").notNull(),
    merchantId: text("merchant_id"),
    status: text("status", { enum: ["pending", "succeeded", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: integer("next_attempt_at"),
    lastAttemptAt: integer("last_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    completedAt: integer("completed_at"),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.endpointId] })],
);

export const lightningAddresses = sqliteTable("lightning_addresses", {
  id: text("id").primaryKey(),
  merchantId: text("merchant_id").notNull(),
  name: text("name").notNull(),
  status: text("status", { enum: ["active", "disabled"] }).notNull(),
  description: text("description").notNull(),
  minSendableMsat: integer("min_sendable_msat").notNull(),
  maxSendableMsat: integer("max_sendable_msat").notNull(),
  commentAllowed: integer("comment_allowed").notNull(),
  successMessage: text("success_message").notNull(),
  createdAt: integer("created_at").notNull(),
  disabledAt: integer("disabled_at"),
});

export const paymentLinks = sqliteTable("payment_links", {
  id: text("id").primaryKey(),
  merchantId: text("merchant_id").notNull(),
  status: text("status", { enum: ["active", "disabled"] }).notNull(),
  amountMsat: integer("amount_msat"),
  priceCurrency: text("price_currency"),
  priceAmountMinor: integer("price_amount_minor"),
  description: text("description"),
  successUrl: text("success_url"),
  url: text("url").notNull(),
  createdAt: integer("created_at").notNull(),
  disabledAt: integer("disabled_at"),
  // 0017: an open fiat amount's limits (minor units); min is set for every open fiat link.
  priceMinMinor: integer("price_min_minor"),
  priceMaxMinor: integer("price_max_minor"),
});

export const paymentLinkVisits = sqliteTable(
  "payment_link_visits",
  {
    linkId: text("link_id").notNull(),
    visitor: text("visitor").notNull(),
    invoiceId: text("invoice_id").notNull(),
    amountMsat: integer("amount_msat").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.visitor] })],
);
