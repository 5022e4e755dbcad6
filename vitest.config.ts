import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { TEST_BINDINGS } from "./test/bindings.ts";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
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
      include: ["test/**/*.test.ts"],
      silent: "passed-only" as const,
      // A hang guard, not a performance claim: chain round trips on a loaded 2-core machine take seconds.
      testTimeout: 30_000,
      hookTimeout: 60_000,
      setupFiles: ["./test/setup.ts"],
      globalSetup: ["./test/global-setup.ts"],
      // bolt11 is CommonJS and pulls Node built-ins; pre-bundling it is what makes it load in workerd.
      deps: {
        optimizer: {
          ssr: {
            enabled: true,
            include: ["bolt11"],
            rolldownOptions: {
              external: ["buffer", "stream", "events", "crypto", "util", "string_decoder", /^node:/],
            },
          },
        },
      },
    },
  };
});
