import { expect } from "vitest";
import { decisionTable } from "../../test/table";
import { decideOnExisting, type StoredRequest } from "./rules";

const NOW = 1_800_000_000;
const done: StoredRequest = {
  fingerprint: "fp-1",
  state: "done",
  statusCode: 201,
  responseBody: '{"id":"inv_1"}',
  lockedUntil: NOW - 60,
};
const inProgress: StoredRequest = { ...done, state: "in_progress", statusCode: null, responseBody: null };

type Input = { stored: StoredRequest; fingerprint: string; nowSeconds: number };
type Decision = ReturnType<typeof decideOnExisting>;

decisionTable("decideOnExisting", {
  outcomes: ["idempotency_key_reused", "replay", "take_over", "idempotency_in_progress"],
  source: { file: new URL("./rules.ts", import.meta.url), fn: "decideOnExisting" },
  run: ({ stored, fingerprint, nowSeconds }: Input): Decision =>
    decideOnExisting(stored, fingerprint, nowSeconds),
  outcomeOf: (r) => (r.ok ? r.value.kind : r.error.code),
  rows: [
    {
      name: "the same key with a different request is refused, even once done",
      input: { stored: done, fingerprint: "fp-2", nowSeconds: NOW },
      outcome: "idempotency_key_reused",
    },
    {
      name: "the same key with a different request is refused while the first still runs",
      input: { stored: { ...inProgress, lockedUntil: NOW + 30 }, fingerprint: "fp-2", nowSeconds: NOW },
      outcome: "idempotency_key_reused",
    },
    {
      name: "a finished request replays its stored status and body",
      input: { stored: done, fingerprint: "fp-1", nowSeconds: NOW },
      outcome: "replay",
      check: (r) =>
        expect(r).toEqual({ ok: true, value: { kind: "replay", statusCode: 201, body: done.responseBody } }),
    },
    {
      name: "a request whose lock ran out is taken over (its worker died)",
      input: { stored: { ...inProgress, lockedUntil: NOW - 1 }, fingerprint: "fp-1", nowSeconds: NOW },
      outcome: "take_over",
    },
    {
      name: "a lock ending exactly now counts as run out",
      input: { stored: { ...inProgress, lockedUntil: NOW }, fingerprint: "fp-1", nowSeconds: NOW },
      outcome: "take_over",
    },
    {
      name: "a request still under its lock is in progress: retry later",
      input: { stored: { ...inProgress, lockedUntil: NOW + 1 }, fingerprint: "fp-1", nowSeconds: NOW },
      outcome: "idempotency_in_progress",
    },
    {
      name: "marked done without a stored response is not replayed but waits for the lock",
      input: {
        stored: { ...done, responseBody: null, lockedUntil: NOW + 1 },
        fingerprint: "fp-1",
        nowSeconds: NOW,
      },
      outcome: "idempotency_in_progress",
    },
  ],
});
