/** Channel use cases: load → observe the chain → decide (rules.ts) → persist in one guarded batch. */
import { secondsOf, type At } from "../core/clock";
import { type ChainBackend, ChainError } from "../chain/backend";
import { payerMessageHash, verifyDerLowS } from "../chain/signature";
import type { Config } from "../config";
import { domainError, type DomainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { err, ok, type Result } from "../core/result";
import { hexToBytes } from "../crypto";
import { type Db, isGuardAbort, runBatch, type Statement } from "../db/client";
import { type EventType, type OutboxEvent, outboxEvent } from "../events/event";
import { insertEventStatement } from "../events/store";
import { channelOpened, channelRefunded } from "../ledger/rules";
import { equityOf, journalStatements } from "../ledger/store";
import { type RefundProgress, refundProgress } from "../payments/rules";
import { channelRefunds, type PayerRefundRow } from "../payments/store";
import { refundPayoutsOf } from "../settlement/payouts-store";
import type { Channel, ChannelRequest } from "./channel";
import {
  acceptFunding,
  awaitingNode,
  checkRegistration,
  confirm,
  expiredOffer,
  type FundingContext,
  offerChannel,
  offerExpired,
  type Outpoint,
  recheckFunding,
  refunded,
  requestClose,
} from "./rules";
import {
  channelByFunding,
  channelsPastLocktime,
  expireOffers,
  getChannel,
  insertChannelStatement,
  knownTipStatement,
  openingChannels,
  purgeExpiredOffers,
  transitionStatements,
} from "./store";
import { renderChannel } from "./view";

const unavailable = () =>
  domainError("chain_unavailable", "the Bitcoin node is unreachable; nothing changed, retry shortly");
const notFound = (id: string) => domainError("channel_not_found", `no channel '${id}'`, "id");

/** Runs a chain call, turning "node unreachable" into a value so no state changes on it. */
async function observe<T>(work: () => Promise<T>): Promise<Result<T, DomainError>> {
  try {
    return ok(await work());
  } catch (e) {
    if (e instanceof ChainError) return err(unavailable());
    throw e;
  }
}

const channelEvent = (type: EventType, channel: Channel, config: Config, at: At): OutboxEvent =>
  outboxEvent(type, null, channel.id, renderChannel(channel, config.network), at);

/** What a transition writes besides the channel row: its event and its journal, in the same batch. */
async function consequences(
  db: Db,
  from: Channel,
  next: Channel,
  config: Config,
  at: At,
): Promise<Statement[]> {
  if (from.status !== "open" && next.status === "open") {
    return [
      insertEventStatement(db, channelEvent("channel.opened", next, config, at)),
      ...journalStatements(db, channelOpened(next.id, next.capacitySat, secondsOf(at.nowMs))),
    ];
  }
  if (from.status !== next.status && (next.status === "refunded" || next.status === "closed")) {
    const booked = from.openedAt !== null && next.status === "refunded";
    return [
      insertEventStatement(db, channelEvent("channel.closed", next, config, at)),
      ...(booked
        ? journalStatements(
            db,
            channelRefunded(
              next.id,
              next.capacitySat,
              next.payerBalanceMsat,
              await equityOf(db),
              secondsOf(at.nowMs),
            ),
          )
        : []),
    ];
  }
  return [];
}

/** The guarded transition `from → next` with its event and journal, for the caller's batch. */
export async function transitionWithConsequences(
  db: Db,
  from: Channel,
  next: Channel,
  config: Config,
  at: At,
): Promise<Statement[]> {
  return [...transitionStatements(db, from, next), ...(await consequences(db, from, next, config, at))];
}

/** Persists `from → next` with its consequences; false when someone else changed the channel first. */
async function persist(db: Db, from: Channel, next: Channel, config: Config, at: At): Promise<boolean> {
  if (next === from) return true;
  try {
    await runBatch(db, await transitionWithConsequences(db, from, next, config, at));
    return true;
  } catch (e) {
    if (isGuardAbort(e)) return false;
    throw e;
  }
}

/** Offers a channel: its refund locktime counts from the chain tip. */
export async function createChannel(
  db: Db,
  chain: ChainBackend | null,
  config: Config,
  request: ChannelRequest,
  at: At,
): Promise<Result<Channel, DomainError>> {
  if (!chain) return err(unavailable());
  const tip = await observe(() => chain.tipHeight());
  if (!tip.ok) return tip;
  const offer = offerChannel(request, {
    policy: config.channel,
    hubKeyFor: (channelId) => config.keys.channel(channelId).publicKey,
    tipHeight: tip.value,
    nowMs: at.nowMs,
    random: at.random,
  });
  if (!offer.ok) return offer;
  await runBatch(db, [insertChannelStatement(db, offer.value), knownTipStatement(db, tip.value)]);
  return offer;
}

const fundingContext = (config: Config, at: At): FundingContext => ({
  minConfirmations: config.minConfirmations,
  policy: config.channel,
  nowSeconds: secondsOf(at.nowMs),
});

/** What the node says about an outpoint (the transaction, whether unspent, the tip). */
const observeFunding = (chain: ChainBackend, outpoint: Outpoint) =>
  observe(async () => ({
    tx: await chain.getTransaction(outpoint.txid),
    unspent: await chain.isUnspent(outpoint.txid, outpoint.vout),
    tipHeight: await chain.tipHeight(),
  }));

/**
 * The payer registers its funding outpoint, signed by P (`sluice/funding/v1:<id>:<txid>:<vout>`).
 * A transaction the node shows is verified at once (→ opening, or open); one it does not show yet
 * is recorded unverified (→ opening) and looked for on read and by the cron until the offer expires.
 */
export async function registerFunding(
  db: Db,
  chain: ChainBackend | null,
  config: Config,
  id: string,
  registration: Outpoint & { signature: string },
  at: At,
): Promise<Result<Channel, DomainError>> {
  const loaded = await getChannel(db, id);
  if (!loaded) return err(notFound(id));
  const outpoint = { txid: registration.txid, vout: registration.vout };
  const signatureValid = verifyDerLowS(
    hexToBytes(registration.signature),
    payerMessageHash("funding", id, outpoint.txid, String(outpoint.vout)),
    hexToBytes(loaded.payerPubkey),
  );
  // Authenticate before anything else happens: a stranger's request changes nothing, not even a refresh.
  if (!signatureValid) {
    const refused = checkRegistration(loaded, outpoint, false, secondsOf(at.nowMs));
    if (!refused.ok) return refused;
  }
  if (!chain) return err(unavailable());
  const channel = await refresh(db, chain, config, loaded, at);
  const allowed = checkRegistration(channel, outpoint, signatureValid, secondsOf(at.nowMs));
  if (!allowed.ok) return allowed;
  if (allowed.value === "repeat") return ok(channel);
  const seen = await observeFunding(chain, outpoint);
  if (!seen.ok) return seen;
  const decision = acceptFunding(channel, outpoint, seen.value, fundingContext(config, at));
  if (!decision.ok) return decision;
  const next = decision.value;
  if (await persistFunding(db, channel, next, config, at)) return ok(next);
  // Lost a race: the outpoint funds another channel, or this channel moved on.
  const other = await channelByFunding(db, outpoint.txid, outpoint.vout);
  if (other && other.id !== id) {
    return err(domainError("funding_already_used", "that output already funds another channel", "txid"));
  }
  const current = await getChannel(db, id);
  if (current?.fundingTxid === outpoint.txid && current.fundingVout === outpoint.vout) return ok(current);
  return err(domainError("conflict", "the channel changed while registering funding; retry"));
}

async function persistFunding(
  db: Db,
  from: Channel,
  next: Channel,
  config: Config,
  at: At,
): Promise<boolean> {
  try {
    return await persist(db, from, next, config, at);
  } catch (e) {
    // The unique index on verified funding outpoints: another channel already uses it.
    if (/UNIQUE constraint failed/i.test(`${e} ${(e as { cause?: unknown }).cause ?? ""}`)) return false;
    throw e;
  }
}

/**
 * Brings a channel up to date: expire a stale offer, look again for an outpoint the node had not
 * shown, count confirmations of a verified one. A chain failure never changes anything.
 */
async function refresh(
  db: Db,
  chain: ChainBackend | null,
  config: Config,
  channel: Channel,
  at: At,
): Promise<Channel> {
  let next = channel;
  if (offerExpired(channel, secondsOf(at.nowMs))) next = expiredOffer(channel);
  else if (awaitingNode(channel) && chain && channel.fundingTxid !== null && channel.fundingVout !== null) {
    const seen = await observeFunding(chain, { txid: channel.fundingTxid, vout: channel.fundingVout });
    if (seen.ok) next = recheckFunding(channel, seen.value, fundingContext(config, at));
  } else if (channel.status === "opening" && chain && channel.fundingTxid) {
    const txid = channel.fundingTxid;
    const tx = await observe(() => chain.getTransaction(txid));
    // Unknown to the node or node down: keep what we know.
    if (tx.ok && tx.value)
      next = confirm(channel, tx.value.confirmations, config.minConfirmations, secondsOf(at.nowMs));
  }
  if (next === channel) return channel;
  return (await persistFunding(db, channel, next, config, at))
    ? next
    : ((await getChannel(db, channel.id)) ?? channel);
}

/** A channel, refreshed against the chain on read. */
export async function readChannel(
  db: Db,
  chain: ChainBackend | null,
  config: Config,
  id: string,
  at: At,
): Promise<Channel | null> {
  const channel = await getChannel(db, id);
  return channel ? refresh(db, chain, config, channel, at) : null;
}

/** The payer asks the hub to close; authenticated by P's signature of `sluice/close/v1:<id>`. */
export async function closeChannel(
  db: Db,
  chain: ChainBackend | null,
  config: Config,
  id: string,
  signatureHex: string,
  at: At,
): Promise<Result<Channel, DomainError>> {
  const channel = await readChannel(db, chain, config, id, at);
  if (!channel) return err(notFound(id));
  const valid = verifyDerLowS(
    hexToBytes(signatureHex),
    payerMessageHash("close", id),
    hexToBytes(channel.payerPubkey),
  );
  const decision = requestClose(channel, valid, secondsOf(at.nowMs));
  if (!decision.ok) return decision;
  if (await persist(db, channel, decision.value, config, at)) return decision;
  const current = await getChannel(db, id);
  if (current?.status === "closing") return ok(current);
  return err(domainError("conflict", "the channel changed while closing; retry"));
}

/**
 * A channel's refunds for its payer, newest first (up to limit + 1), each with where it stands
 * (`refundProgress` over the channel's refund payouts). Authenticated like every payer request:
 * P's low-S DER signature, here of `sluice/refunds/v1:<id>`. Reads only.
 */
export async function payerRefunds(
  db: Db,
  id: string,
  signatureHex: string,
  page: { limit: number; startingAfter: string | undefined },
): Promise<Result<{ refund: PayerRefundRow; progress: RefundProgress }[], DomainError>> {
  const channel = await getChannel(db, id);
  if (!channel) return err(notFound(id));
  const signed = verifyDerLowS(
    hexToBytes(signatureHex),
    payerMessageHash("refunds", id),
    hexToBytes(channel.payerPubkey),
  );
  if (!signed) {
    return err(
      domainError(
        "invalid_signature",
        "signature must be the payer's low-S DER signature of sluice/refunds/v1:<id>",
        "signature",
      ),
    );
  }
  const [refunds, payouts] = await Promise.all([channelRefunds(db, id, page), refundPayoutsOf(db, id)]);
  return ok(refunds.map((refund) => ({ refund, progress: refundProgress(refund, payouts) })));
}

/**
 * One cron tick for channels (bounded): expire stale offers and purge long-expired ones, look for
 * registered outpoints the node had not shown and count confirmations of verified ones, and mark
 * refunded any channel whose funding output the payer spent by the CLTV path.
 */
export async function sweepChannels(
  db: Db,
  chain: ChainBackend | null,
  config: Config,
  at: At,
  limit: number,
): Promise<{ expired: number; purged: number; refreshed: number; refunded: number }> {
  const now = secondsOf(at.nowMs);
  const expired = await expireOffers(db, now, LIMITS.channelOfferRowsPerTick);
  const purged = await purgeExpiredOffers(
    db,
    now - LIMITS.expiredOfferRetentionSeconds,
    LIMITS.channelOfferRowsPerTick,
  );
  let refreshed = 0;
  let refundedCount = 0;
  const report = () => ({ expired, purged, refreshed, refunded: refundedCount });
  for (const channel of await openingChannels(db, limit)) {
    if ((await refresh(db, chain, config, channel, at)) !== channel) refreshed++;
  }
  if (!chain) return report();
  const tip = await observe(() => chain.tipHeight());
  if (!tip.ok) return report();
  await runBatch(db, [knownTipStatement(db, tip.value)]);
  // Before T only the hub's own cooperative close can spend the output, and once a settlement
  // holds the channel, settlement tracks its output: neither is the payer's refund.
  for (const channel of await channelsPastLocktime(db, tip.value, limit)) {
    if (!channel.fundingTxid || channel.fundingVout === null) continue;
    const { fundingTxid, fundingVout } = channel;
    const unspent = await observe(() => chain.isUnspent(fundingTxid, fundingVout));
    if (unspent.ok && !unspent.value && (await persist(db, channel, refunded(channel, now), config, at))) {
      refundedCount++;
    }
  }
  return report();
}
