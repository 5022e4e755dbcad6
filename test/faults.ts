/** Test access to a fault-injecting proxy in front of this file's regtest node (test/fault-proxy.ts). */
import { inject } from "vitest";
import { bitcoindRpc } from "../src/chain/backends/bitcoind-rpc";
import type { FaultCounts, FaultPlan } from "./fault-proxy";
import { rpcInfo } from "./regtest";

/**
 * A proxy in front of the node and a chain backend through it that gives up on a call after
 * `timeoutMs` and on a sent transaction bcoin does not show after a second (it shows a valid one
 * within milliseconds; the hub's 3 s default is for nodes far away).
 */
export async function faultProxy(timeoutMs: number) {
  const res = await fetch(inject("faultProxyControlUrl"), {
    method: "POST",
    body: JSON.stringify({ url: rpcInfo.url }),
  });
  if (!res.ok) throw new Error(`no fault proxy: ${await res.text()}`);
  const { url } = (await res.json()) as { url: string };
  const control = `${url}__faults`;
  const setPlan = async (plan: FaultPlan) => {
    const set = await fetch(control, { method: "POST", body: JSON.stringify(plan) });
    if (set.status !== 204) throw new Error(`the fault proxy refused the plan: ${set.status}`);
  };
  return {
    url,
    chain: bitcoindRpc({ ...rpcInfo, url, timeoutMs, fallbackFeeRateSatPerVb: 2, broadcastCheckMs: 1_000 }),
    /** Faults from now on, as `plan` says. */
    plan: setPlan,
    /** Every call goes straight through. */
    off: () => setPlan({ seed: 0, rules: [] }),
    /** Calls seen and faults injected since the proxy started. */
    counts: async () => (await (await fetch(control)).json()) as FaultCounts,
  };
}
