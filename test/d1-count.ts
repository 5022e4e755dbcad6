/**
 * Counts D1 round trips at the binding: the real database underneath, every call that reaches it
 * counted (a statement's first/all/raw/run is one, a batch is one, whatever it holds).
 */
import { env } from "cloudflare:test";

/** The real statement behind each counted one, for batches (D1 takes only its own objects). */
const real = new WeakMap<object, D1PreparedStatement>();

export interface CountedD1 {
  readonly db: D1Database;
  /** Round trips since creation or the last reset. */
  trips(): number;
  reset(): void;
}

/** A D1 binding over `base` (the test file's database) that counts its round trips. */
export function countedD1(base: D1Database = env.DB): CountedD1 {
  let trips = 0;
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const counted = new Proxy(statement, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => wrap(target.bind(...values));
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "first" || prop === "all" || prop === "raw" || prop === "run") {
          return (...args: unknown[]) => {
            trips++;
            return value.apply(target, args);
          };
        }
        return value.bind(target);
      },
    });
    real.set(counted, statement);
    return counted;
  };
  const db = new Proxy(base, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (prop === "batch")
        return (statements: D1PreparedStatement[]) => {
          trips++;
          return target.batch(statements.map((s) => real.get(s) ?? s));
        };
      if (prop === "exec")
        return (sql: string) => {
          trips++;
          return target.exec(sql);
        };
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    db,
    trips: () => trips,
    reset: () => {
      trips = 0;
    },
  };
}
