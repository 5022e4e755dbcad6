/** Worker entry: wiring only. */
import { buildApp } from "./app";
import { wasmEcdsa } from "./chain/secp256k1-wasm";
import type { Env } from "./config";
import { systemClock } from "./core/clock";
import { errorLogFields, runTick } from "./scheduled";

const random = (length: number) => crypto.getRandomValues(new Uint8Array(length));
const app = buildApp({ clock: systemClock, random, ecdsa: wasmEcdsa });

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      runTick(env, systemClock, random).then(
        (report) => console.log(JSON.stringify({ cron: "tick", ...report })),
        // Only a tick that could not start gets here (its jobs are isolated): say so, secrets struck out.
        (error) => console.error(JSON.stringify({ cron: "tick_failed", ...errorLogFields(error, env) })),
      ),
    );
  },
} satisfies ExportedHandler<Env>;
