/**
 * HTTPS for a local hub, so LNURL clients that only speak https (LUD-16 addresses have no scheme or
 * port: `name@host` always means https://host:443) can resolve addresses against `wrangler dev`:
 * - a certificate for one host name, generated here (selfsigned), trusted by a client process
 *   through NODE_EXTRA_CA_CERTS, which Node reads once at start;
 * - a TLS terminator on a loopback port that hands the decrypted bytes to the Worker's port;
 * - in the client process, a route for that one host name to the terminator's port (what DNS and a
 *   port forward would do), set as the global dispatcher of Node's own fetch. TLS is still fully
 *   verified against the host name; the client library itself is untouched.
 */
import { connect as tcpConnect } from "node:net";
import { connect as tlsConnect, createServer } from "node:tls";
import { generate } from "selfsigned";
import { Agent, buildConnector, setGlobalDispatcher } from "undici";

export interface Certificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A self-signed certificate for `host` (its own root: put certPem in NODE_EXTRA_CA_CERTS). */
export async function makeCertificate(host: string, days = 30): Promise<Certificate> {
  const pems = await generate([{ name: "commonName", value: host }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + days * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: host }] },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}

/** Terminates TLS on 127.0.0.1:`port` (0: any free port) and pipes each connection to `upstreamPort`. */
export async function startTlsTerminator(input: {
  certificate: Certificate;
  upstreamPort: number;
  port?: number;
}): Promise<{ port: number; stop(): Promise<void> }> {
  const server = createServer(
    { key: input.certificate.keyPem, cert: input.certificate.certPem },
    (client) => {
      const upstream = tcpConnect(input.upstreamPort, "127.0.0.1");
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(input.port ?? 0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the TLS terminator has no port");
  return {
    port: address.port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * In this process, connections to `host` (any port) go to the terminator on 127.0.0.1:`port`,
 * with SNI and certificate checks for `host`; every other host connects as usual.
 */
export function routeHost(host: string, port: number): void {
  const direct = buildConnector({});
  setGlobalDispatcher(
    new Agent({
      connect(options, callback) {
        if (options.hostname !== host) return direct(options, callback);
        const socket = tlsConnect({ host: "127.0.0.1", port, servername: host, ALPNProtocols: ["http/1.1"] });
        socket.once("secureConnect", () => callback(null, socket));
        socket.once("error", (error) => callback(error, null));
      },
    }),
  );
}
