/** JSON views of merchants and keys; secrets appear only in a freshly minted key. */
import type { ApiKey, Merchant } from "./merchant";
import type { MintedKey } from "./rules";

export const renderMerchant = (m: Merchant) => ({
  id: m.id,
  object: "merchant" as const,
  name: m.name,
  created_at: m.createdAt,
  fee_base_msat: m.feeBaseMsat,
  fee_ppm: m.feePpm,
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
