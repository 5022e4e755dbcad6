import type { RandomBytes } from "./ids";

/** Time as the domain sees it: passed in, never read from a global inside pure code. */
export interface Clock {
  nowMs(): number;
}

/** When a service acts, and the randomness it draws new ids from: passed in, so seeded runs replay. */
export interface At {
  readonly nowMs: number;
  readonly random: RandomBytes;
}

/** Whole Unix seconds of a millisecond time (every stored and rendered timestamp is one). */
export const secondsOf = (nowMs: number): number => Math.floor(nowMs / 1000);

/** Whole Unix seconds of a clock reading. */
export const unixSeconds = (clock: Clock): number => secondsOf(clock.nowMs());

/** The wall clock, for the Worker's edges. */
export const systemClock: Clock = { nowMs: () => Date.now() };
