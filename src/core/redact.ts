/**
 * Redaction for logs: an error's text may quote what it failed on, and a log is read by more
 * people than the hub's secrets may be. Pure; the secrets to strike out are passed in.
 */

const REDACTED = "[redacted]";

/**
 * Shapes that are secret wherever they appear: merchant keys, webhook secrets, the userinfo of a
 * URL (RPC credentials), and 64 hex digits (a seed, a private key or a preimage look like that;
 * txids and hashes do too, and are struck out with them: a log line is not where they are needed).
 */
const SECRET_SHAPES: readonly RegExp[] = [
  /\bsk_[A-Za-z0-9_-]+/g,
  /\bwhsec_[A-Za-z0-9+/=]+/g,
  /(?<=:\/\/)[^\s/@]+(?=@)/g,
  /\b[0-9a-fA-F]{64}\b/g,
];

/** `text` with every known secret value and every secret-shaped string replaced by "[redacted]". */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  // Longest first, so a secret containing another is struck out whole.
  const values = secrets.filter((s): s is string => typeof s === "string" && s.length >= 4);
  let out = text;
  for (const secret of values.sort((a, b) => b.length - a.length)) out = out.split(secret).join(REDACTED);
  for (const shape of SECRET_SHAPES) out = out.replace(shape, REDACTED);
  return out;
}
