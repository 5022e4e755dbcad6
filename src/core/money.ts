import { domainError, type DomainError } from "./errors";
import { err, ok, type Result } from "./result";

/** The largest amount the JSON and D1 edges carry exactly: 2^53 − 1 msat (≈ 90,071 BTC). */
export const MAX_EDGE_MSAT = BigInt(Number.MAX_SAFE_INTEGER);

/** Converts an edge integer (JSON, D1) to domain msat; anything not an exact safe integer ≥ 0 fails. */
export function msatFromEdge(value: unknown, param: string): Result<bigint, DomainError> {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    return err(
      domainError("invalid_parameter", `${param} must be an integer between 0 and ${MAX_EDGE_MSAT}`, param),
    );
  }
  return ok(BigInt(value));
}

/** Converts domain msat to an edge integer; values past the edge range are a broken invariant. */
export function msatToEdge(amountMsat: bigint): number {
  if (amountMsat < 0n || amountMsat > MAX_EDGE_MSAT) {
    throw new RangeError(`msat amount out of edge range: ${amountMsat}`);
  }
  return Number(amountMsat);
}

/** Whole satoshis in an msat amount, rounding down (the sub-sat remainder stays with the payer's loss). */
export const msatToSatFloor = (amountMsat: bigint): bigint => amountMsat / 1000n;

/** Exact msat of a satoshi amount. */
export const satToMsat = (amountSat: bigint): bigint => amountSat * 1000n;
