import { createHash, randomBytes } from 'node:crypto';

interface Answer {
  status: number;
  body?: unknown;
  location?: string;
}

interface IssuedCode {
  challenge: string;
  redirectUri: string;
  scope: string;
  email: string;
  used: boolean;
}

const tokenError = (error: string, description: string): Answer => ({
  status: 400,
  body: { error, error_description: description },
});

/** An ID token as Google's token endpoint sends it (its signature is not checked by clients here). */
function idTokenFor(email: string, clientId: string, verified: boolean): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: 'https://accounts.google.com',
    aud: clientId,
    sub: createHash('sha256').update(email).digest('hex').slice(0, 21),
    email,
    email_verified: verified,
    iat: now,
    exp: now + 3600,
  };
  return `${part({ alg: 'RS256', kid: 'fake', typ: 'JWT' })}.${part(claims)}.${randomBytes(32).toString('base64url')}`;
}

/**
 * Google's OAuth 2.0 endpoints as a web server application meets them: the consent page (here it
 * consents at once and redirects with a code), the token endpoint (authorization code with PKCE
 * S256 verification and the redirect URI checked; refresh tokens; `invalid_grant` for a code used
 * twice, a wrong verifier or a revoked grant) and the revoke endpoint.
 */
export class FakeGoogleOAuth {
  readonly clientId = 'fake-client.apps.googleusercontent.com';
  readonly clientSecret = 'fake-client-secret';
  /** The account the next consent is given for, and whether Google says its email is verified. */
  email = 'owner@example.test';
  emailVerified = true;
  /** What the user grants: every scope asked for unless set. */
  grantedScopes: string[] | undefined;
  /** Refresh tokens issued, and whether Google still honours each. */
  readonly grants = new Map<string, { email: string; scope: string; revoked: boolean }>();
  private readonly codes = new Map<string, IssuedCode>();

  constructor(private readonly accessToken: () => string) {}

  /** `GET /o/oauth2/v2/auth`: the user consents; the browser goes back with a code. */
  authorize(query: URLSearchParams): Answer {
    const redirectUri = query.get('redirect_uri') ?? '';
    const state = query.get('state') ?? '';
    const challenge = query.get('code_challenge');
    if (query.get('client_id') !== this.clientId || !redirectUri) {
      return { status: 400, body: { error: 'invalid_client' } };
    }
    if (query.get('code_challenge_method') !== 'S256' || !challenge) {
      return { status: 400, body: { error: 'invalid_request', error_description: 'PKCE S256' } };
    }
    const scope = this.grantedScopes?.join(' ') ?? query.get('scope') ?? '';
    const code = `4/${randomBytes(24).toString('base64url')}`;
    this.codes.set(code, { challenge, redirectUri, scope, email: this.email, used: false });
    const back = new URL(redirectUri);
    back.searchParams.set('state', state);
    back.searchParams.set('code', code);
    back.searchParams.set('scope', scope);
    return { status: 302, location: back.toString() };
  }

  /** The next token request answers this status instead (Google's 500 body), once. */
  failNextToken: number | undefined;

  /** `POST /token` with a form body (client secret in the body or as Basic authentication). */
  token(form: URLSearchParams, authorization: string | undefined): Answer {
    if (this.failNextToken !== undefined) {
      const status = this.failNextToken;
      this.failNextToken = undefined;
      return { status, body: { error: 'internal_failure', error_description: 'Backend Error' } };
    }
    const [id, secret] = authorization?.startsWith('Basic ')
      ? Buffer.from(authorization.slice(6), 'base64').toString().split(':')
      : [form.get('client_id'), form.get('client_secret')];
    if (id !== this.clientId || secret !== this.clientSecret) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } };
    }
    if (form.get('grant_type') === 'authorization_code') return this.exchange(form);
    if (form.get('grant_type') === 'refresh_token') {
      const grant = this.grants.get(form.get('refresh_token') ?? '');
      if (!grant || grant.revoked)
        return tokenError('invalid_grant', 'Token has been expired or revoked.');
      return {
        status: 200,
        body: {
          access_token: this.accessToken(),
          expires_in: 3599,
          scope: grant.scope,
          token_type: 'Bearer',
        },
      };
    }
    return tokenError('unsupported_grant_type', 'Invalid grant_type');
  }

  /** `POST /revoke?token=`: the grant a refresh token belongs to is revoked. */
  revoke(query: URLSearchParams): Answer {
    const grant = this.grants.get(query.get('token') ?? '');
    if (!grant) return { status: 400, body: { error: 'invalid_token' } };
    grant.revoked = true;
    return { status: 200, body: {} };
  }

  private exchange(form: URLSearchParams): Answer {
    const issued = this.codes.get(form.get('code') ?? '');
    if (!issued || issued.used) return tokenError('invalid_grant', 'Malformed auth code.');
    issued.used = true;
    if (form.get('redirect_uri') !== issued.redirectUri) {
      return tokenError('redirect_uri_mismatch', 'Bad Request');
    }
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== issued.challenge) {
      return tokenError('invalid_grant', 'Invalid code verifier.');
    }
    const refreshToken = `1//${randomBytes(32).toString('base64url')}`;
    this.grants.set(refreshToken, { email: issued.email, scope: issued.scope, revoked: false });
    return {
      status: 200,
      body: {
        access_token: this.accessToken(),
        expires_in: 3599,
        refresh_token: refreshToken,
        scope: issued.scope,
        token_type: 'Bearer',
        id_token: idTokenFor(issued.email, this.clientId, this.emailVerified),
      },
    };
  }
}
