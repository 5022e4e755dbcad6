// `npm start`: the whole hub locally. Secrets in .dev.vars, migrations on local D1, the Worker on
// 127.0.0.1:8787 with the cron driven on an interval, a demo merchant, credentials in .sluice/dev.json.
import { api, applyMigrations, ensureDevVars, readDevJson, startWorker, writeDevJson } from "./lib/dev.mjs";

const CRON_INTERVAL_SECONDS = Number(process.env.SLUICE_CRON_INTERVAL_SECONDS ?? 10);

const vars = ensureDevVars();
applyMigrations();
const worker = await startWorker();
const stopAll = () => {
  clearInterval(cron);
  worker.stop();
  process.exit(0);
};
process.on("SIGINT", stopAll);
process.on("SIGTERM", stopAll);
worker.child.on("exit", (code) => {
  console.error(`wrangler dev exited (${code}); stopping`);
  process.exit(code ?? 1);
});

// Reuse the demo merchant's key if it still works against this database; otherwise create one.
const previous = readDevJson();
let merchantKey = previous?.merchant_api_key;
if (!merchantKey || (await api(worker.url, "/v1/invoices?limit=1", { token: merchantKey })).status !== 200) {
  const created = await api(worker.url, "/v1/admin/merchants", {
    method: "POST",
    token: vars.OPERATOR_TOKEN,
    body: { name: "Demo Shop" },
  });
  if (created.status !== 201)
    throw new Error(`creating the demo merchant failed: ${created.body?.error?.code}`);
  merchantKey = created.body.api_key.secret;
}
const node = (await api(worker.url, "/v1/node")).body;
const path = writeDevJson({
  api_url: worker.url,
  merchant_api_key: merchantKey,
  operator_token: vars.OPERATOR_TOKEN,
  network: node.network,
});

const cron = setInterval(() => {
  fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`).catch(() => {});
}, CRON_INTERVAL_SECONDS * 1000);

console.log(`
Sluice is running at ${worker.url}  (network: ${node.network}, node ${node.node_pubkey})
  credentials: ${path}
  API docs:    ${worker.url}/docs
  cron:        every ${CRON_INTERVAL_SECONDS} s
Try:  curl -s ${worker.url}/v1/invoices -H "Authorization: Bearer $(node -p 'require("./.sluice/dev.json").merchant_api_key')" \\
        -H 'Content-Type: application/json' -d '{"amount_msat": 150000, "description": "1 cup coffee"}'
Ctrl-C stops everything.`);
