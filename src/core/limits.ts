/** Every limit in one place, each with the reason for its number. */
export const LIMITS = {
  /** Request bodies: the largest legitimate one (an invoice with full metadata) is under 16 KiB. */
  maxBodyBytes: 64 * 1024,
  /** List pages: Stripe's bound; keeps one page well inside a Worker's CPU and D1 row budgets. */
  maxPageSize: 100,
  defaultPageSize: 10,
  /** Metadata: enough for order ids and tags, small enough to stay in one D1 row comfortably. */
  maxMetadataKeys: 20,
  maxMetadataKeyChars: 40,
  maxMetadataValueChars: 500,
  /** BOLT #11 `d` field: data_length is 10 bits of 5-bit words → at most 639 bytes. */
  maxDescriptionBytes: 639,
  maxOrderIdChars: 200,
  /** Invoice expiry: at least a minute to pay, at most a week (BOLT #11 `x` allows more, wallets don't). */
  minExpirySeconds: 60,
  /** The least a regtest hub may lower it to (MIN_INVOICE_EXPIRY_SECONDS, for tests that watch an
   * invoice expire): a few seconds still leaves a browser time to show the open invoice first. */
  minRegtestExpirySeconds: 1,
  maxExpirySeconds: 604_800,
  defaultExpirySeconds: 3_600,
  /** Idempotency keys: UUIDs fit easily; bounded so the key index stays small. */
  maxIdempotencyKeyChars: 255,
  /** How long a stored idempotent response is replayed (Stripe keeps 24 h). */
  idempotencyRetentionSeconds: 86_400,
  /** A request that holds an idempotency key longer than this is presumed dead and may be retaken. */
  idempotencyLockSeconds: 60,
  /** API keys a merchant can hold at once; rotation needs two, automation a few more. */
  maxApiKeysPerMerchant: 20,
  maxNameChars: 200,
  /** Rows the cron touches per tick: each expiry is a 3-statement batch; 100 stays far below the
   * Workers subrequest limit (1,000) and a tick's CPU budget. */
  expirySweepRowsPerTick: 100,
  /** Channels the cron refreshes per tick: each costs up to 3 RPC subrequests and a batch, so 100
   * stays well inside the 1,000-subrequest limit alongside the invoice sweep. */
  channelSweepRowsPerTick: 100,
  /** Channel offers the cron expires, and expired ones it deletes, per tick: each is one set-based
   * statement (no event, no journal), so 1,000 rows cost two D1 queries and a few ms of the single
   * writer; at one tick a minute that clears 1.4 M offers a day, far above what the offer rate limit
   * lets anyone create. */
  channelOfferRowsPerTick: 1_000,
  /** An expired offer stays readable (GET says `expired`, a late registration gets 410) for a week
   * after it expired, then is deleted: it was never funded, so nothing refers to it, and a week is
   * ample for a payer who funded late to learn why. The payer's CLTV refund needs no hub record. */
  expiredOfferRetentionSeconds: 7 * 86_400,
  /** Payouts (merchants and refunds together) and channel closes one settlement takes on. Its
   * largest batch, making a transaction final, writes about 12 D1 statements per payout and 12 per
   * close (status, journal entries and balances, event); 50 + 20 keeps it near 850, under the 1,000
   * queries a Worker invocation may make. More waiting simply goes in the next settlement. */
  settlementPayoutsPerRun: 50,
  settlementClosesPerRun: 20,
  /** Hub wallet inputs per settlement transaction: enough to fund it from small deposits, and a
   * fixed room reserved in the 400,000-weight standard limit when packing outputs. */
  settlementHubInputsPerTx: 20,
  /** Bitcoin Core's standardness limit (MAX_STANDARD_TX_WEIGHT): bigger transactions do not relay. */
  maxStandardTxWeight: 400_000,
  /** Fee bumps per transaction before the hub stops and the operator must look (each at least +50%). */
  settlementMaxFeeBumps: 12,
  /** Blocks one run scans back from the tip for the transaction that spent a settlement's input
   * (proof of a foreign spend, before abandoning it): 2 subrequests each, so 144 (a day) costs
   * under 300 of the 1,000. The cron runs every few minutes, so a payer's refund is found a few
   * blocks after it is mined; one deeper than this (the hub stopped for a day) waits for the operator. */
  settlementSpendScanBlocks: 144,
  /** A settlement run holds this lease; a run that crashed releases it by expiry. */
  settlementLeaseSeconds: 120,
  /** Smallest payout threshold a merchant may set (1,000 sat): below it a payout's own fee share
   * (its ~31–43 vbytes at the fee rate) would eat a large part of it. */
  minPayoutThresholdMsat: 1_000_000,
  /** BOLT #11 strings: 7,089 chars is the longest a 1023-word field set can make; real ones are < 2,000. */
  maxBolt11Chars: 7_089,
  /** URLs merchants give (success_url): browsers handle far longer, but 2,048 is the common safe bound. */
  maxUrlChars: 2_048,
  /** Seconds shared caches may serve the public checkout view: pollers share one answer per second, and
   * a payment still shows within the widget's poll interval plus this. */
  checkoutCacheSeconds: 1,
  /** Checkout views one isolate keeps in memory (each ~1-2 KB, held a second): 4,096 open checkouts per
   * isolate at a few MB of its 128 MB; beyond that the oldest goes and the Cache API still answers. */
  checkoutViewsPerIsolate: 4_096,
  /** API keys one isolate remembers for invoice creation (~200 bytes each): a busy isolate serves far
   * fewer merchants; beyond this the least recent is looked up in D1 again. */
  apiKeysPerIsolate: 4_096,
  /** The versioned widget never changes (its URL carries its hash); the bare /widget.js is re-checked. */
  widgetImmutableCacheSeconds: 31_536_000,
  widgetLatestCacheSeconds: 300,
  /** The widget loads on every checkout over mobile networks: kept under 20 KB gzipped (a test checks). */
  widgetMaxGzipBytes: 20 * 1024,
  /** Webhook retry delays after each failed attempt (DESIGN.md §9): ten attempts over ~3.2 days, so a
   * receiver that is down over a long weekend night still gets everything. */
  webhookRetryDelaysSeconds: [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400],
  /** ±10 % jitter on each delay: receivers that failed together are not retried in one spike. */
  webhookRetryJitterRatio: 0.1,
  /** Deliveries the cron attempts per tick: each is one fetch subrequest and one D1 batch, so 100 leaves
   * the 1,000-subrequest budget room for the invoice sweep (100) and the channel refresh (≤ 300). */
  webhookDeliveriesPerTick: 100,
  /** Per endpoint per tick, taken round-robin: one endpoint's backlog (or one that times out) never takes
   * the whole tick, so every other endpoint's due deliveries go out in the same run. */
  webhookDeliveriesPerEndpointPerTick: 50,
  /** Requests in flight per endpoint: a Worker holds at most 6 connections at once, so one endpoint
   * that hangs can take only 2 of them and never starve the others in the same run. */
  webhookConnectionsPerEndpoint: 2,
  /** Fresh deliveries a write request tries at once (waitUntil): a payment writes two events, times a
   * few endpoints; the cron picks up anything beyond. */
  webhookImmediateDeliveries: 20,
  /** Per attempt, connect to last byte read: receivers should acknowledge and queue; 10 s is generous. */
  webhookTimeoutMs: 10_000,
  /** Bytes of a receiver's response read, then discarded: nothing of it is stored or shown. */
  webhookResponseReadBytes: 4_096,
  /** A claimed delivery belongs to its claimer this long; one that died mid-attempt gives it back after.
   * Far above the timeout so a live attempt is never sent twice at once. */
  webhookLeaseSeconds: 60,
  /** Retry-After is honoured up to the schedule's longest step: a receiver cannot park a delivery forever. */
  webhookMaxRetryAfterSeconds: 86_400,
  /** Consecutive deliveries that exhaust the schedule (each ~3 days of failing) before the endpoint is
   * disabled; any success resets the count. */
  webhookFailedDeliveriesToDisable: 5,
  /** Endpoints per merchant (and for the operator): Stripe's bound; each event fans out to each of them. */
  maxWebhookEndpoints: 16,
  /** URL length every proxy and browser handles. */
  maxWebhookUrlChars: 2_048,
  /** After a secret rotation the old secret keeps signing (alongside the new) this long by default, at
   * most a week: time for the merchant to deploy the new one. */
  defaultWebhookSecretOverlapSeconds: 86_400,
  maxWebhookSecretOverlapSeconds: 604_800,
  /** Attempts shown per delivery (the newest); a much-redelivered event keeps its full log in D1. */
  maxWebhookAttemptsShown: 50,
  /** Lightning Address names (LUD-16 usernames): RFC 5321 caps an address's local part at 64 octets. */
  maxAddressNameChars: 64,
  /** Addresses a merchant may hold (tips, donations, a few counters); each is a public endpoint. */
  maxLightningAddressesPerMerchant: 20,
  /** LUD-12 comments arrive in the callback's query string; wallets keep URLs under ~2,000 chars, and
   * 255 characters of comment (up to ~2,300 percent-encoded bytes at worst) is what wallets offer. */
  maxLnurlCommentChars: 255,
  /** LUD-09: a success action's message or description is up to 144 characters. */
  maxSuccessMessageChars: 144,
  /** The metadata's text/plain entry doubles as the wallet's description line: kept short. */
  maxAddressDescriptionChars: 200,
  /** Invoices minted on demand (LNURL callbacks, payment-link visits) live 10 minutes: a payer pays
   * within seconds or minutes of asking, and a short life keeps unpaid ones from piling up as open. */
  onDemandInvoiceExpirySeconds: 600,
  /** A visitor coming back to a link is handed its open invoice again only while this much of its
   * life is left; past that a fresh one is minted, so nobody is shown an invoice about to expire. */
  paymentLinkReuseMinSecondsLeft: 120,
  /** The visitor cookie of payment links: long enough for a return visit the same day. */
  paymentLinkVisitorCookieSeconds: 86_400,
  /** Bytes of the form a link page posts (an amount): anything bigger is not a browser's form. */
  maxPaymentLinkFormBytes: 1_024,
  /** Exchange rates (docs/fiat.md). Currencies the hub prices in: each costs up to one request per source
   * per cron tick, so 16 keeps a tick's rate fetches under 50 subrequests. */
  maxRateCurrencies: 16,
  /** One rate request, connect to last byte: providers answer in well under a second; a slow one must not
   * hold the tick (all sources are asked at once, so a tick waits at most this long for rates). */
  rateFetchTimeoutMs: 5_000,
  /** A ticker answer is under 1 KiB; anything past 16 KiB is not one and is dropped unread. */
  rateResponseMaxBytes: 16_384,
  /** A quote further than this from the median of all fresh quotes is an outlier (a stuck or wrong
   * market): liquid BTC markets agree within a fraction of a percent, 2 % is far past that. */
  rateMaxDeviationPpm: 20_000,
  /** How long an isolate reuses the quotes it read: the staleness bound is checked on the quotes' own
   * times at every use, so this only bounds how soon a fresh fetch is seen (one read per 10 s, not per invoice). */
  rateCacheSeconds: 10,
  /** A merchant's spread on fiat prices: up to 10 %, past that it is a different price, not a cushion. */
  maxRateSpreadPpm: 100_000,
  /** The rate history keeps one rate per currency per hour: the payouts export values a payout at it. */
  rateHistoryBucketSeconds: 3_600,
  /** CSV exports (docs/reports.md): rows read from D1 per page of the stream. A page of 500 joined rows
   * is well under a megabyte, and a month of a busy shop is a few hundred pages. */
  reportPageRows: 500,
  /** Rows one export may stream: each page is a D1 query and a Worker invocation may make 1,000; 400
   * pages leave room for the rest of the request. Larger ranges are refused up front (split them). */
  reportMaxRows: 200_000,
  /** A report covers at most a year and a day: a calendar year plus a leap day, split for more. */
  maxReportRangeSeconds: 366 * 86_400,
} as const;
