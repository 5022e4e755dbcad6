import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { configDefaults, defineConfig } from "vitest/config";
import { TEST_BINDINGS } from "./test/bindings.ts";
import { WorkerdDiagnostics } from "./test/workerd-log.ts";
import { buildWallet } from "./wallet/build.mjs";
import { buildWidget } from "./widget/build.mjs";

export default defineConfig(async () => {
  // The Worker serves the built widget: build it first so no test sees a stale or missing bundle.
  await buildWidget();
  await buildWallet();
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      silent: "passed-only" as const,
      // Files are independent (own D1, own regtest node, own wrangler) and mostly wait on the chain,
      // timers and sockets: two at a time on 2 cores (vitest's default here is one; with three, one
      // chain-bound test failed once on a machine loaded by other suites).
      maxWorkers: 2,
      // workerd's info-level lines go to test-results/workerd.log (printed grouped if the run fails).
      reporters: [
        "default",
        new WorkerdDiagnostics(path.join(import.meta.dirname, "test-results/workerd.log")),
      ],
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: { bindings: { ...TEST_BINDINGS, TEST_MIGRATIONS: migrations } },
            }),
          ],
          resolve: {
            alias: { secp256k1: path.join(import.meta.dirname, "src/lightning/secp256k1-shim.ts") },
          },
          test: {
            name: "workers",
            include: ["test/**/*.test.ts"],
            exclude: [...configDefaults.exclude, "test/browser/**", "test/readme-walkthrough.test.ts"],
            // A hang guard, not a performance claim: chain round trips on a loaded 2-core machine take seconds.
            testTimeout: 30_000,
            hookTimeout: 60_000,
            setupFiles: ["./test/setup.ts"],
            globalSetup: ["./test/global-setup.ts"],
            // bolt11 is CommonJS and pulls Node built-ins; pre-bundling it is what makes it load in workerd.
            // standardwebhooks (CommonJS) ships a source map to sources it does not ship: bundled, vite never reads it.
            deps: {
              optimizer: {
                ssr: {
                  enabled: true,
                  include: ["bolt11", "standardwebhooks"],
                  rolldownOptions: {
                    external: ["buffer", "stream", "events", "crypto", "util", "string_decoder", /^node:/],
                  },
                },
              },
            },
          },
        },
        {
          // Pure unit tests beside their modules (`rules.test.ts` next to `rules.ts`): Node only, no I/O.
          test: {
            name: "unit",
            environment: "node",
            include: ["src/**/*.test.ts"],
          },
        },
        {
          // Real Chromium against a real `wrangler dev` and regtest node, and the README walk-through
          // against a real `npm start`: runs in Node, not workerd.
          test: {
            name: "browser",
            environment: "node",
            include: ["test/browser/**/*.test.ts", "test/readme-walkthrough.test.ts"],
            // Hang guards: startup of wrangler, bcoin and Chromium on a loaded 2-core machine is slow.
            testTimeout: 120_000,
            hookTimeout: 180_000,
          },
        },
      ],
    },
  };
});
