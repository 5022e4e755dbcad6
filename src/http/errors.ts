/** The one map from error codes to HTTP status and error type, and the error body renderer. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { DomainError, ErrorCode } from "../core/errors";

export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "idempotency_error"
  | "state_error"
  | "rate_limit_error"
  | "api_error";

/** HTTP status and error type for every code. Exhaustive: a new code fails typecheck until mapped. */
export function errorStatus(code: ErrorCode): { status: ContentfulStatusCode; type: ErrorType } {
  switch (code) {
    case "invalid_json":
    case "invalid_content_type":
    case "unknown_parameter":
    case "missing_parameter":
    case "invalid_parameter":
    case "invalid_cursor":
    case "description_conflict":
    case "invalid_idempotency_key":
    case "bolt11_mixed_case":
    case "bolt11_missing_separator":
    case "bolt11_invalid_checksum":
    case "bolt11_invalid_bech32":
    case "bolt11_too_short":
    case "bolt11_invalid_prefix":
    case "bolt11_unknown_network":
    case "bolt11_invalid_amount":
    case "bolt11_invalid_signature":
    case "bolt11_unknown_required_feature":
    case "bolt11_missing_payment_hash":
    case "bolt11_malformed":
    case "invalid_pubkey":
    case "invalid_refund_script":
    case "capacity_out_of_range":
    case "invalid_payout_address":
      return { status: 400, type: "invalid_request_error" };
    case "body_too_large":
      return { status: 413, type: "invalid_request_error" };
    case "missing_api_key":
    case "invalid_api_key":
    case "invalid_operator_token":
      return { status: 401, type: "authentication_error" };
    case "insufficient_scope":
      return { status: 403, type: "permission_error" };
    case "route_not_found":
    case "invoice_not_found":
    case "merchant_not_found":
    case "api_key_not_found":
    case "channel_not_found":
    case "payment_not_found":
    case "payout_not_found":
    case "settlement_not_found":
      return { status: 404, type: "invalid_request_error" };
    case "idempotency_in_progress":
      return { status: 409, type: "idempotency_error" };
    case "idempotency_key_reused":
      return { status: 422, type: "idempotency_error" };
    case "invoice_not_open":
    case "invoice_paid":
    case "invoice_canceled":
    case "channel_not_awaiting_funding":
    case "channel_not_open":
    case "channel_closing":
    case "channel_expiring":
    case "funding_spent":
    case "funding_already_used":
    case "seq_conflict":
    case "insufficient_balance":
    case "refund_exceeds_payment":
    case "insufficient_merchant_balance":
    case "utxo_unconfirmed":
    case "utxo_from_settlement":
    case "settlement_in_progress":
    case "conflict":
      return { status: 409, type: "state_error" };
    case "invoice_expired":
    case "channel_offer_expired":
      return { status: 410, type: "state_error" };
    case "invalid_signature":
    case "state_mismatch":
    case "invalid_sighash_type":
    case "funding_not_found":
    case "funding_output_not_found":
    case "funding_script_mismatch":
    case "funding_value_mismatch":
    case "utxo_not_hub_wallet":
    case "utxo_too_small":
      return { status: 422, type: "invalid_request_error" };
    case "chain_unavailable":
      // The one 5xx that is not a bug: the Bitcoin node is unreachable. Nothing changed; retry.
      return { status: 503, type: "api_error" };
    case "rate_limited":
      return { status: 429, type: "rate_limit_error" };
    case "url_invalid":
    case "url_not_https":
    case "url_has_credentials":
    case "url_private_address":
    case "url_internal_host":
    case "url_port_not_allowed":
      return { status: 400, type: "invalid_request_error" };
    case "event_not_found":
    case "webhook_endpoint_not_found":
      return { status: 404, type: "invalid_request_error" };
    case "amount_conflict":
    case "invalid_currency":
    case "currency_not_supported":
    case "amount_out_of_range":
    case "invalid_range":
    case "report_too_large":
      return { status: 400, type: "invalid_request_error" };
    case "payment_has_no_fiat_value":
      return { status: 409, type: "state_error" };
    case "rate_unavailable":
      // No fresh exchange rate: only fiat prices need one (msat invoices keep working). Nothing changed; retry.
      return { status: 503, type: "api_error" };
    case "webhook_endpoint_limit_reached":
    case "webhook_endpoint_disabled":
    case "no_webhook_endpoints":
      return { status: 409, type: "state_error" };
    case "address_name_invalid":
    case "address_name_reserved":
    case "comment_too_long":
      return { status: 400, type: "invalid_request_error" };
    case "lightning_address_not_found":
    case "payment_link_not_found":
      return { status: 404, type: "invalid_request_error" };
    case "address_name_taken":
    case "lightning_address_limit_reached":
      return { status: 409, type: "state_error" };
    case "lightning_address_disabled":
    case "payment_link_disabled":
      return { status: 410, type: "state_error" };
  }
}

/** The error body clients see: `{error: {type, code, message, param?}}`. */
export function errorBody(error: DomainError) {
  const { type } = errorStatus(error.code);
  return {
    error: {
      type,
      code: error.code,
      message: error.message,
      ...(error.param === undefined ? {} : { param: error.param }),
    },
  };
}

/** Renders a DomainError as its HTTP response. */
export function fail(c: Context, error: DomainError) {
  return c.json(errorBody(error), errorStatus(error.code).status);
}
