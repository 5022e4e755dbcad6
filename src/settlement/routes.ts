/** Settlement routes: merchants' payouts and proofs, the public settlement view, operator wallet and runs. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { ChainError } from "../chain/backend";
import { payerMessageHash, verifyDerLowS } from "../chain/signature";
import { p2wpkh, segwitAddress } from "../chain/script";
import { getChannel, channelCounts } from "../channels/store";
import { domainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { hexToBytes } from "../crypto";
import { merchantAuth, merchantId, operatorAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { fail } from "../http/errors";
import { idempotent } from "../http/idempotency";
import {
  bearerSecurity,
  errorResponses,
  IdParam,
  jsonRequest,
  jsonResponse,
  renderList,
} from "../http/schemas";
import { validationHook } from "../http/validation";
import { merchantGetRoute, merchantListRoute } from "../http/routes";
import { checkLedger } from "../ledger/invariants";
import { merkleSumProof } from "./merkle";
import {
  HubSchema,
  ListPayoutsQuery,
  PayoutSchema,
  ProofQuery,
  RegisterUtxoBody,
  SettlementProofSchema,
  SettlementRunSchema,
  SettlementSchema,
} from "./schemas";
import { registerDeposit, runSettlement } from "./service";
import { hubWalletTotals, unspentHubUtxos } from "./coins-store";
import { getPayout, listPayouts } from "./payouts-store";
import { activeSettlement, getSettlement, settlementLeaves, settlementTxs } from "./settlements-store";
import { renderHubUtxo, renderPayout, renderProof, renderSettlement } from "./view";

const listPayoutsRoute = merchantListRoute({
  path: "/v1/payouts",
  tag: "Payouts",
  scope: "payouts:read",
  summary: "List your payouts, newest first",
  item: PayoutSchema,
  query: ListPayoutsQuery,
  listName: "PayoutList",
  plural: "payouts",
});

const getPayoutRoute = merchantGetRoute({
  path: "/v1/payouts/{id}",
  tag: "Payouts",
  scope: "payouts:read",
  summary: "Retrieve a payout: amount, fee share, transaction and output",
  item: PayoutSchema,
  noun: "payout",
});

const getSettlementRoute = createRoute({
  method: "get",
  path: "/v1/settlements/{id}",
  tags: ["Settlements"],
  summary: "A settlement: its transactions, liabilities root and confirmations (public)",
  request: { params: IdParam },
  responses: { 200: jsonResponse(SettlementSchema, "The settlement"), ...errorResponses(404) },
});

/** Merchants prove with their key; payers with a signature of the channel key instead. */
const merchantOrPayer = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.query("channel_id") !== undefined) return next();
  return merchantAuth("payouts:read")(c, next);
});

const proofRoute = createRoute({
  method: "get",
  path: "/v1/settlements/{id}/proof",
  tags: ["Settlements"],
  summary:
    "Inclusion proof of your balance in the settlement's Merkle-sum tree (merchant key, or payer signature)",
  security: [...bearerSecurity, {}],
  middleware: [merchantOrPayer] as const,
  request: { params: IdParam, query: ProofQuery },
  responses: {
    200: jsonResponse(SettlementProofSchema, "Your leaves and their paths to the anchored root"),
    ...errorResponses(400, 401, 403, 404, 422),
  },
});

const hubRoute = createRoute({
  method: "get",
  path: "/v1/admin/hub",
  tags: ["Operator"],
  summary: "The hub: wallet address and outputs, liabilities, equity, channel counts, settlement in flight",
  security: bearerSecurity,
  middleware: [operatorAuth] as const,
  responses: { 200: jsonResponse(HubSchema, "The hub"), ...errorResponses(401) },
});

const registerUtxoRoute = createRoute({
  method: "post",
  path: "/v1/admin/wallet/utxos",
  tags: ["Operator"],
  summary: "Register a deposit to the hub wallet (verified on chain: script, unspent, confirmed)",
  security: bearerSecurity,
  middleware: [operatorAuth, idempotent] as const,
  request: jsonRequest(RegisterUtxoBody),
  responses: {
    200: jsonResponse(HubSchema.shape.utxos.element, "Already registered"),
    201: jsonResponse(HubSchema.shape.utxos.element, "Registered: the deposit is hub capital"),
    ...errorResponses(400, 401, 409, 413, 422, 503),
  },
});

const runRoute = createRoute({
  method: "post",
  path: "/v1/admin/settlements",
  tags: ["Operator"],
  summary: "Run settlement now (plans one if none is in flight, whatever the interval)",
  security: bearerSecurity,
  middleware: [operatorAuth, idempotent] as const,
  responses: {
    200: jsonResponse(SettlementRunSchema, "What the run did"),
    ...errorResponses(401, 409, 422, 503),
  },
});

const unavailable = domainError(
  "chain_unavailable",
  "the Bitcoin node is unreachable; nothing changed, retry shortly",
);

/** Mounts the settlement routes. */
export function settlementRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const deps = (c: { var: AppEnv["Variables"] }) => ({
    db: c.var.db,
    chain: c.var.chain!,
    config: c.var.config,
    nowMs: c.var.clock.nowMs(),
    random: c.var.random,
  });
  const settlementView = async (c: { var: AppEnv["Variables"] }, id: string) => {
    const settlement = await getSettlement(c.var.db, id);
    return settlement ? renderSettlement(settlement, await settlementTxs(c.var.db, id)) : null;
  };

  app.openapi(listPayoutsRoute, async (c) => {
    const query = c.req.valid("query");
    const limit = query.limit ?? LIMITS.defaultPageSize;
    const rows = await listPayouts(c.var.db, merchantId(c.var.principal), {
      limit,
      startingAfter: query.starting_after,
      ...(query.status ? { status: query.status } : {}),
    });
    return c.json(
      renderList(rows, limit, (p) => renderPayout(p, c.var.config.network)),
      200,
    );
  });

  app.openapi(getPayoutRoute, async (c) => {
    const { id } = c.req.valid("param");
    const payout = await getPayout(c.var.db, merchantId(c.var.principal), id);
    if (!payout) return fail(c, domainError("payout_not_found", `no payout '${id}'`, "id")) as never;
    return c.json(renderPayout(payout, c.var.config.network), 200);
  });

  app.openapi(getSettlementRoute, async (c) => {
    const { id } = c.req.valid("param");
    const view = await settlementView(c, id);
    if (!view) return fail(c, domainError("settlement_not_found", `no settlement '${id}'`, "id")) as never;
    return c.json(view, 200);
  });

  app.openapi(proofRoute, async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    const settlement = await getSettlement(c.var.db, id);
    if (!settlement)
      return fail(c, domainError("settlement_not_found", `no settlement '${id}'`, "id")) as never;
    let owners: string[];
    if (query.channel_id !== undefined) {
      if (query.signature === undefined) {
        return fail(
          c,
          domainError("missing_parameter", "a payer proves with channel_id and signature", "signature"),
        ) as never;
      }
      const channel = await getChannel(c.var.db, query.channel_id);
      if (!channel)
        return fail(
          c,
          domainError("channel_not_found", `no channel '${query.channel_id}'`, "channel_id"),
        ) as never;
      const signed = verifyDerLowS(
        hexToBytes(query.signature),
        payerMessageHash("proof", channel.id, id),
        hexToBytes(channel.payerPubkey),
      );
      if (!signed) {
        return fail(
          c,
          domainError(
            "invalid_signature",
            "signature must be the payer's low-S DER signature of sluice/proof/v1:<channel id>:<settlement id>",
            "signature",
          ),
        ) as never;
      }
      owners = [`channel:${channel.id}`, `refund_owed:${channel.id}`];
    } else {
      owners = [`merchant:${merchantId(c.var.principal)}`];
    }
    const leaves = await settlementLeaves(c.var.db, id);
    const proofs = owners.flatMap((owner) => {
      const proof = merkleSumProof(id, leaves, owner);
      return proof ? [renderProof(proof)] : [];
    });
    const view = renderSettlement(settlement, await settlementTxs(c.var.db, id));
    return c.json(
      {
        object: "settlement_proof" as const,
        settlement_id: id,
        merkle_root: view.merkle_root,
        total_liabilities_msat: view.total_liabilities_msat,
        txids: view.txids,
        proofs,
      },
      200,
    );
  });

  app.openapi(hubRoute, async (c) => {
    const { db, config } = c.var;
    const [totals, utxos, ledger, counts, active] = await Promise.all([
      hubWalletTotals(db),
      unspentHubUtxos(db, LIMITS.maxPageSize),
      checkLedger(db),
      channelCounts(db),
      activeSettlement(db),
    ]);
    return c.json(
      {
        object: "hub" as const,
        network: config.network,
        wallet_address: segwitAddress(p2wpkh(config.keys.wallet.publicKey), config.network),
        wallet: {
          available_sat: Number(totals.availableSat),
          reserved_sat: Number(totals.reservedSat),
          utxo_count: totals.count,
        },
        utxos: utxos.map(renderHubUtxo),
        liabilities_msat: Number(ledger.liabilitiesMsat),
        equity_msat: Number(ledger.equityMsat),
        held_on_chain_msat: Number(ledger.heldOnChainMsat),
        ledger_ok: ledger.ok,
        channels: counts,
        active_settlement: active ? await settlementView(c, active.id) : null,
      },
      200,
    );
  });

  app.openapi(registerUtxoRoute, async (c) => {
    if (!c.var.chain) return fail(c, unavailable) as never;
    const result = await registerDeposit(deps(c), c.req.valid("json")).catch((e) => {
      if (e instanceof ChainError) return null;
      throw e;
    });
    if (result === null) return fail(c, unavailable) as never;
    if (!result.ok) return fail(c, result.error) as never;
    return c.json(result.value.utxo, result.value.created ? 201 : 200);
  });

  app.openapi(runRoute, async (c) => {
    if (!c.var.chain) return fail(c, unavailable) as never;
    const report = await runSettlement(deps(c), { force: true });
    return c.json(
      {
        ran: report.ran,
        planned: report.planned,
        active: report.active ? await settlementView(c, report.active.id) : null,
        skipped: [...report.skipped],
        steps: [...report.steps],
        chain_error: report.chainError,
      },
      200,
    );
  });

  return app;
}
