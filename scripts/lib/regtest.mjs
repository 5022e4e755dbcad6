// A real regtest node for `npm start` and the tests: bcoin from npm, on loopback, in a temp dir.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { getPublicKey } from "@noble/secp256k1";
import { bech32 } from "@scure/base";

const ROOT = new URL("../..", import.meta.url).pathname;
const BCOIN = join(ROOT, "node_modules/bcoin/bin/node");

/** bcoin's regtest segwit (BIP9) is active only after this many blocks (TOOLCHAIN.md: 432). */
export const SEGWIT_READY_HEIGHT = 500;
/** Blocks mined to the faucet first: regtest halves the subsidy every 150 blocks, so these pay 50 BTC. */
export const FAUCET_BLOCKS = 150;

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** bcoin's own regtest address format (HRP "rb") for the P2WPKH of a secret key. */
export function bcoinP2wpkhAddress(secretKey) {
  const hash = ripemd160(sha256(getPublicKey(secretKey, true)));
  return bech32.encode("rb", [0, ...bech32.toWords(hash)]);
}

/**
 * Starts bcoin on `port`, waits for RPC; `stop()` ends it by its PID. Without `dataDir` the
 * chain lives in memory and a temp dir that stop() removes; with it, the chain persists there.
 */
export async function startRegtest({ port, password: fixedPassword, dataDir, quiet = true } = {}) {
  const rpcPort = port ?? (await freePort());
  const password = fixedPassword ?? randomBytes(16).toString("hex");
  const prefix = dataDir ?? mkdtempSync(join(tmpdir(), "sluice-regtest-"));
  const child = spawn(
    process.execPath,
    [
      BCOIN,
      "--network=regtest",
      `--memory=${dataDir ? "false" : "true"}`,
      `--http-host=127.0.0.1`,
      `--http-port=${rpcPort}`,
      `--api-key=${password}`,
      "--listen=false",
      "--no-wallet=true",
      "--index-tx=true",
      `--prefix=${prefix}`,
      "--log-level=warning",
    ],
    { stdio: quiet ? "ignore" : "inherit", detached: true },
  );
  const node = {
    url: `http://127.0.0.1:${rpcPort}/`,
    user: "sluice",
    password,
    pid: child.pid,
    child,
    async rpc(method, params = []) {
      const res = await fetch(node.url, {
        method: "POST",
        headers: {
          authorization: `Basic ${btoa(`${node.user}:${password}`)}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ method, params }),
      });
      const body = await res.json();
      if (body.error) throw new Error(`${method}: ${body.error.message}`);
      return body.result;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        try {
          process.kill(child.pid, "SIGINT");
        } catch {}
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      if (!dataDir) rmSync(prefix, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bcoin exited with ${child.exitCode}`);
    try {
      await node.rpc("getblockcount");
      return node;
    } catch (e) {
      if (Date.now() > deadline) {
        await node.stop();
        throw new Error(`bcoin RPC did not answer in 30 s: ${e.message}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Mines the faucet's 50-BTC coinbases, then past segwit activation (and so past coinbase
 * maturity for them). Idempotent on a node that is already past that height.
 */
export async function prepareChain(node, faucetSecretKey) {
  const height = await node.rpc("getblockcount");
  if (height >= SEGWIT_READY_HEIGHT) return height;
  const burn = bcoinP2wpkhAddress(new Uint8Array(32).fill(0xee));
  if (height < FAUCET_BLOCKS)
    await node.rpc("generatetoaddress", [FAUCET_BLOCKS - height, bcoinP2wpkhAddress(faucetSecretKey)]);
  await node.rpc("generatetoaddress", [SEGWIT_READY_HEIGHT - Math.max(height, FAUCET_BLOCKS), burn]);
  return node.rpc("getblockcount");
}
