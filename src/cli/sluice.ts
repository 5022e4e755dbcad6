/** `sluice` CLI (run with `npm run sluice -- …`). Operator commands today; wallet commands join with channels. */
import { existsSync, readFileSync } from "node:fs";
import { ADMIN_USAGE, adminRequest } from "./admin";

function credentials(): { apiUrl: string; token: string } {
  const dev = existsSync(".sluice/dev.json") ? JSON.parse(readFileSync(".sluice/dev.json", "utf8")) : {};
  const apiUrl = process.env.SLUICE_API_URL ?? dev.api_url;
  const token = process.env.SLUICE_OPERATOR_TOKEN ?? dev.operator_token;
  if (!apiUrl || !token)
    throw new Error("set SLUICE_API_URL and SLUICE_OPERATOR_TOKEN, or run `npm start` first");
  return { apiUrl, token };
}

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  if (group !== "admin") {
    console.error(ADMIN_USAGE);
    return 2;
  }
  let request: ReturnType<typeof adminRequest>;
  try {
    request = adminRequest(rest);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${ADMIN_USAGE}`);
    return 2;
  }
  const { apiUrl, token } = credentials();
  const res = await fetch(`${apiUrl}${request.path}`, {
    method: request.method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(request.body ? { "content-type": "application/json", "idempotency-key": crypto.randomUUID() } : {}),
    },
    body: request.body ? JSON.stringify(request.body) : undefined,
  });
  console.log(JSON.stringify(await res.json(), null, 2));
  return res.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(e.message);
    process.exit(1);
  },
);
