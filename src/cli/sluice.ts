/** `sluice` CLI (run with `npm run sluice -- …`): operator commands and the payer wallet. */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { SluiceClient } from "../client/api";
import { FileStorage } from "../client/node-storage";
import { createInterface } from "node:readline";
import { ADMIN_USAGE, adminRequest } from "./admin";
import { KIT_REFUND_USAGE, runKitRefund } from "./kit";
import { runWallet, WALLET_USAGE } from "./wallet";

interface DevJson {
  api_url?: string;
  operator_token?: string;
  bitcoin_rpc_url?: string;
  bitcoin_rpc_user?: string;
  bitcoin_rpc_password?: string;
  faucet_secret?: string;
}

/** Where `npm start` keeps dev.json and the CLI its wallet: .sluice, or SLUICE_STATE_DIR for a second hub. */
const stateDir = process.env.SLUICE_STATE_DIR ?? ".sluice";
const dev: DevJson = existsSync(join(stateDir, "dev.json"))
  ? JSON.parse(readFileSync(join(stateDir, "dev.json"), "utf8"))
  : {};
const apiUrl = process.env.SLUICE_API_URL ?? dev.api_url;

async function admin(args: string[]): Promise<number> {
  const request = adminRequest(args);
  const token = process.env.SLUICE_OPERATOR_TOKEN ?? dev.operator_token;
  if (!apiUrl || !token)
    throw new Error("set SLUICE_API_URL and SLUICE_OPERATOR_TOKEN, or run `npm start` first");
  const res = await fetch(`${apiUrl}${request.path}`, {
    method: request.method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(request.body ? { "content-type": "application/json", "idempotency-key": crypto.randomUUID() } : {}),
    },
    body: request.body ? JSON.stringify(request.body) : undefined,
  });
  console.log(JSON.stringify(await res.json(), null, 2));
  return res.ok ? 0 : 1;
}

/** The Bitcoin node from SLUICE_BITCOIN_RPC_* or .sluice/dev.json, if either names one. */
function bitcoinNode(): { rpc?: { url: string; user: string; password: string } } {
  const url = process.env.SLUICE_BITCOIN_RPC_URL ?? dev.bitcoin_rpc_url;
  if (!url) return {};
  return {
    rpc: {
      url,
      user: process.env.SLUICE_BITCOIN_RPC_USER ?? dev.bitcoin_rpc_user ?? "",
      password: process.env.SLUICE_BITCOIN_RPC_PASSWORD ?? dev.bitcoin_rpc_password ?? "",
    },
  };
}

/** The kit's passphrase: SLUICE_KIT_PASSPHRASE, else the first line on stdin (asked for on a terminal). */
async function readPassphrase(): Promise<string> {
  const fromEnv = process.env.SLUICE_KIT_PASSPHRASE;
  if (fromEnv !== undefined) return fromEnv;
  if (process.stdin.isTTY) process.stderr.write("Kit passphrase: ");
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  throw new Error("no passphrase: set SLUICE_KIT_PASSPHRASE or type it on stdin");
}

/** `wallet refund --kit <file>`: needs no hub, only the kit and (to broadcast) a Bitcoin node. */
async function kitRefund(args: string[]): Promise<number> {
  const at = args.indexOf("--kit");
  const file = args[at + 1];
  if (!file || file.startsWith("--")) throw new Error("--kit needs the kit file");
  const result = await runKitRefund([...args.slice(0, at), ...args.slice(at + 2)], {
    kitText: readFileSync(file, "utf8"),
    passphrase: readPassphrase,
    ...bitcoinNode(),
  });
  console.log(JSON.stringify(result, null, 2));
  return 0;
}

async function wallet(args: string[]): Promise<number> {
  if (args[0] === "refund" && args.includes("--kit")) return kitRefund(args.slice(1));
  if (!apiUrl) throw new Error("set SLUICE_API_URL, or run `npm start` first");
  const path = process.env.SLUICE_WALLET ?? join(stateDir, "wallet.json");
  mkdirSync(dirname(path), { recursive: true });
  const result = await runWallet(args, {
    client: new SluiceClient(apiUrl),
    storage: new FileStorage(path),
    ...bitcoinNode(),
    ...(dev.faucet_secret ? { faucetSecret: dev.faucet_secret } : {}),
  });
  console.log(JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  try {
    if (group === "admin") return await admin(rest);
    if (group === "wallet") return await wallet(rest);
    if (group === "pay") return await wallet(["pay", ...rest]);
  } catch (e) {
    const err = e as Error & { code?: string };
    console.error(err.code ? `${err.code}: ${err.message}` : err.message);
    return 1;
  }
  console.error(`${ADMIN_USAGE}\n\n${WALLET_USAGE}\n${KIT_REFUND_USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
