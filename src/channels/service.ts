/** Channel use cases: load → observe the chain → decide (rules.ts) → persist in one guarded batch. */
import { type ChainBackend, ChainError } from "../chain/backend";
import { payerMessageHash, verifyDerLowS } from "../chain/signature";
import type { Config } from "../config";
import { domainError, type DomainError } from "../core/errors";
import { newId, type RandomBytes } from "../core/ids";
import { err, ok, type Result } from "../core/result";
import { hexToBytes } from "../crypto";
import { type Db, isGuardAbort, runBatch, type Statement } from "../db/client";
import type { EventType, OutboxEvent } from "../events/event";
import { insertEventStatement } from "../events/store";
import { channelOpened, channelRefunded } from "../ledger/rules";
import { equityOf, journalStatements } from "../ledger/store";
import type { Channel, ChannelRequest } from "./channel";
import {
  acceptFunding,
  confirm,
  expiredOffer,
  offerChannel,
  offerExpired,
  refunded,
  requestClose,
} from "./rules";
import {
  channelByFunding,
  channelsInStatus,
  channelsPastLocktime,
  getChannel,
  insertChannelStatement,
  knownTipStatement,
  transitionStatements,
} from "./store";
import { renderChannel } from "./view";

export interface At {
  readonly nowMs: number;
  readonly random: RandomBytes;
}

const seconds = (at: At) => Math.floor(at.nowMs / 1000);
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

function channelEvent(type: EventType, channel: Channel, config: Config, at: At): OutboxEvent {
  return {
    id: newId("event", at.nowMs, at.random),
    merchantId: null,
    type,
    objectId: channel.id,
    dedupeKey: `${type}:${channel.id}`,
    createdAt: seconds(at),
    object: renderChannel(channel, config.network),
  };
}

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
      ...journalStatements(db, channelOpened(next.id, next.capacitySat, seconds(at))),
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
              seconds(at),
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
    hubPubkey: config.keys.channel.publicKey,
    tipHeight: tip.value,
    nowMs: at.nowMs,
    random: at.random,
  });
  if (!offer.ok) return offer;
  await runBatch(db, [insertChannelStatement(db, offer.value), knownTipStatement(db, tip.value)]);
  return offer;
}

/** Verifies a funding outpoint on chain and moves the channel to opening (or open). */
export async function registerFunding(
  db: Db,
  chain: ChainBackend | null,
  config: Config,
  id: string,
  outpoint: { txid: string; vout: number },
  at: At,
): Promise<Result<Channel, DomainError>> {
  const channel = await getChannel(db, id);
  if (!channel) return err(notFound(id));
  if (!chain) return err(unavailable());
  const seen = await observe(async () => ({
    tx: await chain.getTransaction(outpoint.txid),
    unspent: await chain.isUnspent(outpoint.txid, outpoint.vout),
    tipHeight: await chain.tipHeight(),
  }));
  if (!seen.ok) return seen;
  const decision = acceptFunding(channel, outpoint, seen.value, {
    minConfirmations: config.minConfirmations,
    policy: config.channel,
    nowSeconds: seconds(at),
  });
  if (!decision.ok) {
    if (decision.error.code === "channel_offer_expired" && offerExpired(channel, seconds(at))) {
      await persist(db, channel, expiredOffer(channel), config, at);
    }
    return decision;
  }
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
    // The unique index on the funding outpoint: another channel already uses it.
    if (/UNIQUE constraint failed/i.test(`${e} ${(e as { cause?: unknown }).cause ?? ""}`)) return false;
    throw e;
  }
}

/** Brings a channel up to date: expire a stale offer, count confirmations of an opening one. */
async function refresh(
  db: Db,
  chain: ChainBackend | null,
  config: Config,
  channel: Channel,
  at: At,
): Promise<Channel> {
  let next = channel;
  if (offerExpired(channel, seconds(at))) next = expiredOffer(channel);
  else if (channel.status === "opening" && chain && channel.fundingTxid) {
    const txid = channel.fundingTxid;
    const tx = await observe(() => chain.getTransaction(txid));
    // Unknown to the node or node down: keep what we know; a chain failure never changes state.
    if (tx.ok && tx.value)
      next = confirm(channel, tx.value.confirmations, config.minConfirmations, seconds(at));
  }
  if (next === channel) return channel;
  return (await persist(db, channel, next, config, at))
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
  const decision = requestClose(channel, valid, seconds(at));
  if (!decision.ok) return decision;
  if (await persist(db, channel, decision.value, config, at)) return decision;
  const current = await getChannel(db, id);
  if (current?.status === "closing") return ok(current);
  return err(domainError("conflict", "the channel changed while closing; retry"));
}

/**
 * One cron tick for channels (bounded): expire stale offers, confirm opening channels, and mark
 * refunded any channel whose funding output the payer spent by the CLTV path.
 */
export async function sweepChannels(
  db: Db,
  chain: ChainBackend | null,
  config: Config,
  at: At,
  limit: number,
): Promise<{ refreshed: number; refunded: number }> {
  let refreshed = 0;
  let refundedCount = 0;
  for (const channel of await channelsInStatus(db, ["awaiting_funding", "opening"], limit)) {
    if ((await refresh(db, chain, config, channel, at)) !== channel) refreshed++;
  }
  if (!chain) return { refreshed, refunded: refundedCount };
  const tip = await observe(() => chain.tipHeight());
  if (!tip.ok) return { refreshed, refunded: refundedCount };
  await runBatch(db, [knownTipStatement(db, tip.value)]);
  // Before T only the hub's own cooperative close can spend the output, and once a settlement
  // holds the channel, settlement tracks its output: neither is the payer's refund.
  for (const channel of await channelsPastLocktime(db, tip.value, limit)) {
    if (!channel.fundingTxid || channel.fundingVout === null) continue;
    const { fundingTxid, fundingVout } = channel;
    const unspent = await observe(() => chain.isUnspent(fundingTxid, fundingVout));
    if (
      unspent.ok &&
      !unspent.value &&
      (await persist(db, channel, refunded(channel, seconds(at)), config, at))
    ) {
      refundedCount++;
    }
  }
  return { refreshed, refunded: refundedCount };
}
