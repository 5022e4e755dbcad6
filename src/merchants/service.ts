/** Merchant and API key use cases, shared by the operator and merchant routes. */
import { domainError, type DomainError } from "../core/errors";
import { newId, type RandomBytes } from "../core/ids";
import { err, ok, type Result } from "../core/result";
import { type Db, runBatch } from "../db/client";
import type { ApiKey, Merchant, Scope } from "./merchant";
import { canMintKey, type MintedKey, mintApiKey } from "./rules";
import {
  countActiveKeys,
  createMerchantStatements,
  getApiKey,
  getMerchant,
  insertApiKeyStatement,
  revokeApiKey,
} from "./store";

export interface At {
  readonly nowMs: number;
  readonly random: RandomBytes;
}

/** Creates a merchant and its first key in one batch. */
export async function createMerchant(
  db: Db,
  name: string,
  scopes: readonly Scope[],
  at: At,
): Promise<{ merchant: Merchant; key: MintedKey }> {
  const merchant: Merchant = {
    id: newId("merchant", at.nowMs, at.random),
    name,
    createdAt: Math.floor(at.nowMs / 1000),
    feeBaseMsat: null,
    feePpm: null,
    payoutScriptPubkey: null,
    payoutThresholdMsat: null,
    displayCurrency: null,
    rateSpreadPpm: 0,
  };
  const key = mintApiKey(merchant.id, scopes, "first key", at.nowMs, at.random);
  await runBatch(db, createMerchantStatements(db, merchant, key.row));
  return { merchant, key };
}

/** Mints another key for an existing merchant, within the per-merchant cap. */
export async function addApiKey(
  db: Db,
  merchantId: string,
  scopes: readonly Scope[],
  label: string | null,
  at: At,
): Promise<Result<MintedKey, DomainError>> {
  if (!(await getMerchant(db, merchantId))) {
    return err(domainError("merchant_not_found", `no merchant '${merchantId}'`, "id"));
  }
  const allowed = canMintKey(await countActiveKeys(db, merchantId));
  if (!allowed.ok) return allowed;
  const key = mintApiKey(merchantId, scopes, label, at.nowMs, at.random);
  await runBatch(db, [insertApiKeyStatement(db, key.row)]);
  return ok(key);
}

/** Revokes one of a merchant's keys; the key stops working at once. */
export async function revokeKey(
  db: Db,
  merchantId: string,
  keyId: string,
  at: At,
): Promise<Result<ApiKey, DomainError>> {
  const key = await getApiKey(db, merchantId, keyId);
  if (!key) return err(domainError("api_key_not_found", `no API key '${keyId}'`, "id"));
  await revokeApiKey(db, merchantId, keyId, Math.floor(at.nowMs / 1000));
  return ok((await getApiKey(db, merchantId, keyId)) ?? key);
}
