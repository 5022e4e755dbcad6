import { applyD1Migrations, env } from "cloudflare:test";

// Each test file gets fresh storage; apply the real migrations to it.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
