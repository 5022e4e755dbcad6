/** Time as the domain sees it: passed in, never read from a global inside pure code. */
export interface Clock {
  nowMs(): number;
}

/** Whole Unix seconds of a clock reading. */
export const unixSeconds = (clock: Clock): number => Math.floor(clock.nowMs() / 1000);

/** The wall clock, for the Worker's edges. */
export const systemClock: Clock = { nowMs: () => Date.now() };
