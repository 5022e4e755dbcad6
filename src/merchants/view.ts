/** JSON views of merchants and keys; secrets appear only in a freshly minted key. */
import { segwitAddress } from "../chain/script";
import type { Network } from "../core/network";
import { hexToBytes } from "../crypto";
import type { ApiKey, Merchant } from "./merchant";
import type { MintedKey } from "./rules";

/** A merchant, with where and from what balance settlement pays it. */
export const renderMerchant = (m: Merchant, network: Network, defaultThresholdMsat: bigint) => ({
  id: m.id,
  object: "merchant" as const,
  name: m.name,
  created_at: m.createdAt,
  fee_base_msat: m.feeBaseMsat,
  fee_ppm: m.feePpm,
  payout_address: m.payoutScriptPubkey ? segwitAddress(hexToBytes(m.payoutScriptPubkey), network) : null,
  payout_threshold_msat: m.payoutThresholdMsat,
  effective_payout_threshold_msat: m.payoutThresholdMsat ?? Number(defaultThresholdMsat),
  display_currency: m.displayCurrency,
  rate_spread_ppm: m.rateSpreadPpm,
});

export const renderApiKey = (k: ApiKey) => ({
  id: k.id,
  object: "api_key" as const,
  merchant_id: k.merchantId,
  prefix: `sk_${k.prefix}…`,
  scopes: [...k.scopes],
  label: k.label,
  created_at: k.createdAt,
  revoked_at: k.revokedAt,
});

export const renderNewApiKey = (k: MintedKey) => ({ ...renderApiKey(k.row), secret: k.secret });
