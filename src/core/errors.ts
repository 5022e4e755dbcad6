/**
 * Every expected failure the API can report, by stable code. Clients switch on `code`;
 * messages may change. The HTTP status for each code lives in `src/http/errors.ts`.
 */
export const ERROR_CODES = [
  // request shape
  "invalid_json",
  "invalid_content_type",
  "body_too_large",
  "unknown_parameter",
  "missing_parameter",
  "invalid_parameter",
  "invalid_cursor",
  "description_conflict",
  // auth
  "missing_api_key",
  "invalid_api_key",
  "insufficient_scope",
  "invalid_operator_token",
  // idempotency
  "idempotency_key_reused",
  "idempotency_in_progress",
  "invalid_idempotency_key",
  // resources
  "route_not_found",
  "invoice_not_found",
  "merchant_not_found",
  "api_key_not_found",
  // invoice state
  "invoice_not_open",
  "invoice_paid",
  "invoice_expired",
  "invoice_canceled",
  // bolt11 decoding
  "bolt11_mixed_case",
  "bolt11_missing_separator",
  "bolt11_invalid_checksum",
  "bolt11_invalid_bech32",
  "bolt11_too_short",
  "bolt11_invalid_prefix",
  "bolt11_unknown_network",
  "bolt11_invalid_amount",
  "bolt11_invalid_signature",
  "bolt11_unknown_required_feature",
  "bolt11_missing_payment_hash",
  "bolt11_malformed",
  // channels and the chain
  "invalid_pubkey",
  "invalid_refund_script",
  "capacity_out_of_range",
  "invalid_signature",
  "channel_not_found",
  "channel_offer_expired",
  "channel_not_awaiting_funding",
  "channel_not_open",
  "channel_closing",
  "channel_expiring",
  "funding_not_found",
  "funding_output_not_found",
  "funding_script_mismatch",
  "funding_value_mismatch",
  "funding_spent",
  "funding_already_used",
  "chain_unavailable",
  // payments and refunds
  "seq_conflict",
  "insufficient_balance",
  "state_mismatch",
  "invalid_sighash_type",
  "payment_not_found",
  "refund_exceeds_payment",
  "insufficient_merchant_balance",
  // settlement and payouts
  "utxo_not_hub_wallet",
  "utxo_unconfirmed",
  "utxo_from_settlement",
  "utxo_too_small",
  "invalid_payout_address",
  "payout_not_found",
  "settlement_not_found",
  "settlement_in_progress",
  // concurrency
  "conflict",
  "rate_limited",
  // webhooks and events
  "event_not_found",
  "webhook_endpoint_not_found",
  "webhook_endpoint_limit_reached",
  "webhook_endpoint_disabled",
  "no_webhook_endpoints",
  "url_invalid",
  "url_not_https",
  "url_has_credentials",
  "url_private_address",
  "url_internal_host",
  "url_port_not_allowed",
  // Lightning Addresses (LNURL-pay) and payment links
  "address_name_invalid",
  "address_name_reserved",
  "address_name_taken",
  "lightning_address_not_found",
  "lightning_address_disabled",
  "lightning_address_limit_reached",
  "comment_too_long",
  "payment_link_not_found",
  "payment_link_disabled",
  // fiat prices, rates and reports
  "amount_conflict",
  "invalid_currency",
  "currency_not_supported",
  "amount_out_of_range",
  "rate_unavailable",
  "payment_has_no_fiat_value",
  "invalid_range",
  "report_too_large",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An expected failure: a stable code, a human message, and the parameter at fault. */
export interface DomainError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly param?: string;
}

/** Builds a DomainError. */
export const domainError = (code: ErrorCode, message: string, param?: string): DomainError =>
  param === undefined ? { code, message } : { code, message, param };
