import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Global, Injectable, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';

/**
 * What a sealed secret is for. Each purpose has a key of its own (HKDF from JWT_SECRET), so a
 * secret sealed for one purpose cannot be opened as another.
 */
export type SecretPurpose =
  'totp-secrets' | 'google-access-tokens' | 'google-refresh-tokens' | 'google-oauth-flows';

/**
 * Encrypts small secrets at rest (TOTP seeds; the Google access tokens of sync jobs) with
 * AES-256-GCM under a key derived from JWT_SECRET for their purpose, so a database dump alone
 * hands out nothing. Rotating JWT_SECRET therefore resets 2FA (users set it up again) and
 * fails the sync jobs still queued.
 */
@Injectable()
export class SecretBox {
  private readonly keys = new Map<SecretPurpose, Buffer>();

  constructor(private readonly config: AppConfig) {}

  seal(purpose: SecretPurpose, plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyFor(purpose), iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), body]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** The plain secret, or undefined when it was sealed under another key or tampered with. */
  open(purpose: SecretPurpose, sealed: string): string | undefined {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || !body) return undefined;
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        this.keyFor(purpose),
        Buffer.from(iv, 'base64url'),
      );
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  private keyFor(purpose: SecretPurpose): Buffer {
    let key = this.keys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.config.jwtSecret, 'casefile-hub', purpose, 32));
      this.keys.set(purpose, key);
    }
    return key;
  }
}

/** SecretBox for every module that keeps a secret at rest. */
@Global()
@Module({ providers: [SecretBox], exports: [SecretBox] })
export class SecretsModule {}
