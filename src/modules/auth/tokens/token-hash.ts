import { createHash, randomBytes } from 'node:crypto';

/** An opaque secret for clients (refresh tokens, API keys): 256 random bits, base64url. */
export function newOpaqueSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Opaque secrets are high-entropy, so a plain SHA-256 is the right way to store them. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
