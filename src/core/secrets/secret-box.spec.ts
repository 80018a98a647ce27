import type { AppConfig } from '../../config/app-config';
import { SecretBox } from './secret-box';

const boxWith = (jwtSecret: string) => new SecretBox({ jwtSecret } as AppConfig);

describe('SecretBox', () => {
  const box = boxWith('a-secret-of-at-least-thirty-two-characters');

  it('opens what it sealed for the same purpose, and never shows the plain text', () => {
    const sealed = box.seal('google-access-tokens', 'ya29.token');
    expect(sealed).not.toContain('ya29');
    expect(box.open('google-access-tokens', sealed)).toBe('ya29.token');
    expect(box.seal('google-access-tokens', 'ya29.token')).not.toBe(sealed); // a fresh IV
  });

  it('does not open a secret sealed for another purpose, or under another key', () => {
    const sealed = box.seal('totp-secrets', 'JBSWY3DPEHPK3PXP');
    expect(box.open('google-access-tokens', sealed)).toBeUndefined();
    expect(
      boxWith('another-secret-of-at-least-thirty-two-chars').open('totp-secrets', sealed),
    ).toBe(undefined);
  });

  it('refuses tampered or malformed input', () => {
    const [version, iv, tag, body] = box.seal('totp-secrets', 'seed').split('.');
    const flipped = body.startsWith('A') ? `B${body.slice(1)}` : `A${body.slice(1)}`;
    expect(box.open('totp-secrets', [version, iv, tag, flipped].join('.'))).toBeUndefined();
    expect(box.open('totp-secrets', 'v1.only-two')).toBeUndefined();
    expect(box.open('totp-secrets', 'v2.a.b.c')).toBeUndefined();
  });
});
