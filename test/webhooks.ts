/** Test side of the webhook receivers (test/webhook-receiver.ts runs them in Node) and cron driving. */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { inject, vi } from "vitest";
import { runTick } from "../src/scheduled";
import { type CallOptions, type Hub, random, type Reply } from "./helpers";
import type { Behaviour, Received } from "./webhook-receiver";

export type { Behaviour, Received };

const control = () => inject("webhookControlUrl");

/** A real HTTP receiver on 127.0.0.1 with a behaviour the test can change. */
export async function newReceiver(behaviour: Behaviour = { mode: "status" }) {
  const res = await fetch(control(), { method: "POST", body: JSON.stringify(behaviour) });
  const { id, url } = (await res.json()) as { id: string; url: string };
  return {
    url,
    async behave(next: Behaviour) {
      await fetch(`${control()}/${id}/behaviour`, { method: "PUT", body: JSON.stringify(next) });
    },
    /** Everything it got, in arrival order. */
    async requests(): Promise<Received[]> {
      return (await fetch(`${control()}/${id}/requests`)).json();
    },
    async close() {
      await fetch(`${control()}/${id}`, { method: "DELETE" });
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof newReceiver>>;

/**
 * Verifies a received request with the standardwebhooks package, as the merchant would on arrival.
 * The package checks the timestamp against Date.now(); tests run on an injected clock, so Date is
 * set to the moment it was signed (the tolerance check still runs, against that moment).
 */
export function verifyReceived(secret: string, received: Received): any {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Number(received.headers["webhook-timestamp"]) * 1000);
  try {
    return new Webhook(secret).verify(received.body, received.headers);
  } finally {
    vi.useRealTimers();
  }
}

/** Runs cron ticks at the clock's current time until one attempts nothing; returns the attempts made. */
export async function drain(h: Hub): Promise<number> {
  let total = 0;
  for (;;) {
    const report = await runTick(h.env, h.clock, random);
    total += report.webhookAttempts;
    if (report.webhookAttempts === 0) return total;
  }
}

/** Drives the cron through the whole schedule: tick, jump to the next due time, until nothing is pending. */
export async function runSchedule(h: Hub): Promise<number> {
  let attempts = await drain(h);
  for (let due = await nextDue(); due !== null; due = await nextDue()) {
    const now = Math.floor(h.clock.nowMs() / 1000);
    if (due > now) h.clock.advanceSeconds(due - now);
    attempts += await drain(h);
  }
  return attempts;
}

/** The earliest time a pending delivery is due (seconds), or null when none is pending. */
export async function nextDue(): Promise<number | null> {
  const row = await env.DB.prepare(
    "SELECT min(next_attempt_at) AS due FROM webhook_deliveries WHERE status = 'pending'",
  ).first<{ due: number | null }>();
  return row?.due ?? null;
}

/** Calls the hub with an execution context, then waits for its waitUntil work (the immediate attempt). */
export async function callWithContext(
  h: Hub,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  const res = await h.app.request(path, { method, headers, body }, h.env, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}
