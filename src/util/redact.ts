/**
 * Secrets never reach a file: text written to a run folder, a recording or the terminal goes through
 * `redactSecrets` first. It removes the password (and user) of URLs (`https://user:pass@host`) and
 * every known secret value: API keys and tokens from the environment (variables whose name says
 * KEY, TOKEN, SECRET or PASSWORD) and keys given on the command line (`registerSecret`).
 * An upstream error that echoes the key is then stored as `[redacted]`.
 */

export const REDACTED = '[redacted]';

/** Shorter values are too likely to appear by chance (and too weak to be real keys). */
const MIN_SECRET_LENGTH = 8;
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i;
/** scheme://userinfo@ — the userinfo (user, or user:password) is dropped. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:"'<>]+(?::[^\s/@"'<>]*)?@/gi;

const registered = new Set<string>();

/** A secret from somewhere other than the environment (e.g. `--api-key`), redacted from now on. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) registered.add(value);
}

/** Changes whenever a secret is registered: a caller holding `knownSecrets()` reads them again when it does. */
export function registeredSecretsCount(): number {
  return registered.size;
}

/** Known secret values: registered ones and the environment's keys, tokens and passwords. */
export function knownSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const secrets = new Set(registered);
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= MIN_SECRET_LENGTH && SECRET_NAME.test(name)) secrets.add(value);
  }
  // Longest first, so a secret containing another is removed whole.
  return [...secrets].sort((a, b) => b.length - a.length);
}

/** URL credentials only: for names built from a spec (a folder name must not hold a password). */
export function redactUrlCredentials(text: string): string {
  // Most text has no URL at all (every record of a run goes through here): no scan by the expression then.
  if (!text.includes('://')) return text;
  return text.replace(URL_CREDENTIALS, (_match, scheme: string) => `${scheme}${REDACTED}@`);
}

/** `text` without URL credentials or known secret values (also in their JSON-escaped form). */
export function redactSecrets(text: string, secrets: readonly string[] = knownSecrets()): string {
  let result = redactUrlCredentials(text);
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && result.includes(escaped)) result = result.split(escaped).join(REDACTED);
  }
  return result;
}
