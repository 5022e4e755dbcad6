/** Writes openapi/openapi.json from the same zod schemas that validate requests. `npm test` fails when it is stale. */
import { writeFileSync } from "node:fs";
import { buildApp, openApiDocument } from "../src/app";
import { systemClock } from "../src/core/clock";

const app = buildApp({ clock: systemClock, random: (n) => crypto.getRandomValues(new Uint8Array(n)) });
const path = new URL("../openapi/openapi.json", import.meta.url);
writeFileSync(path, `${JSON.stringify(openApiDocument(app), null, 2)}\n`);
console.log(`wrote ${path.pathname}`);
