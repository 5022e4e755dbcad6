/** Operator CLI commands as pure data: argv → the HTTP request to make. I/O lives in sluice.ts. */
import { SCOPES, type Scope } from "../merchants/merchant";

export interface CliRequest {
  readonly method: "GET" | "POST" | "DELETE";
  readonly path: string;
  readonly body?: Record<string, unknown>;
}

export const ADMIN_USAGE = `usage:
  sluice admin merchant create --name <name> [--scopes a,b]
  sluice admin keys list   --merchant <mer_…>
  sluice admin keys create --merchant <mer_…> [--scopes a,b] [--label <text>]
  sluice admin keys revoke --merchant <mer_…> --key <key_…>
  sluice admin hub                                  (wallet, liabilities, channels, settlement in flight)
  sluice admin wallet deposit --txid <hex> --vout <n>   (register a deposit to the hub wallet)
  sluice admin settle                               (run settlement now)
scopes: ${SCOPES.join(", ")}
credentials: SLUICE_API_URL and SLUICE_OPERATOR_TOKEN, or .sluice/dev.json from \`npm start\``;

/** Parses `--flag value` pairs; a flag without a value is an error. */
function flags(args: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i];
    const value = args[i + 1];
    if (!name?.startsWith("--") || value === undefined || value.startsWith("--")) {
      throw new Error(`expected --flag value pairs, got '${args.slice(i).join(" ")}'`);
    }
    out.set(name.slice(2), value);
  }
  return out;
}

function required(f: Map<string, string>, name: string): string {
  const value = f.get(name);
  if (!value) throw new Error(`--${name} is required`);
  return value;
}

function scopes(f: Map<string, string>): Scope[] | undefined {
  const raw = f.get("scopes");
  if (raw === undefined) return undefined;
  const list = raw.split(",").map((s) => s.trim());
  const unknown = list.find((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown) throw new Error(`unknown scope '${unknown}'`);
  return list as Scope[];
}

/** The request for `sluice admin …` arguments (after "admin"); throws with a message on bad usage. */
export function adminRequest(args: readonly string[]): CliRequest {
  const [noun, verb, ...rest] = args;
  const f = flags(rest);
  const merchant = () => encodeURIComponent(required(f, "merchant"));
  if (noun === "merchant" && verb === "create") {
    const s = scopes(f);
    return {
      method: "POST",
      path: "/v1/admin/merchants",
      body: { name: required(f, "name"), ...(s ? { scopes: s } : {}) },
    };
  }
  if (noun === "keys" && verb === "list")
    return { method: "GET", path: `/v1/admin/merchants/${merchant()}/api-keys?limit=100` };
  if (noun === "keys" && verb === "create") {
    const s = scopes(f);
    const label = f.get("label");
    return {
      method: "POST",
      path: `/v1/admin/merchants/${merchant()}/api-keys`,
      body: { ...(s ? { scopes: s } : {}), ...(label ? { label } : {}) },
    };
  }
  if (noun === "keys" && verb === "revoke") {
    return {
      method: "DELETE",
      path: `/v1/admin/merchants/${merchant()}/api-keys/${encodeURIComponent(required(f, "key"))}`,
    };
  }
  if (noun === "hub" && verb === undefined) return { method: "GET", path: "/v1/admin/hub" };
  if (noun === "settle" && verb === undefined) return { method: "POST", path: "/v1/admin/settlements" };
  if (noun === "wallet" && verb === "deposit") {
    const vout = Number(required(f, "vout"));
    if (!Number.isSafeInteger(vout) || vout < 0) throw new Error("--vout must be an output index");
    return { method: "POST", path: "/v1/admin/wallet/utxos", body: { txid: required(f, "txid"), vout } };
  }
  throw new Error(`unknown command 'admin ${[noun, verb].filter(Boolean).join(" ")}'`);
}
