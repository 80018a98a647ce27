import { Injectable } from '@nestjs/common';
import { CodeChallengeMethod, OAuth2Client } from 'google-auth-library';
import { AppConfig, type GoogleOAuthConfig } from '../../config/app-config';
import { GoogleNotConfiguredError } from './google.errors';

/** What each kind of Google data needs of a connection (read-only, always). */
export const GOOGLE_READ_SCOPES = {
  gmail: 'https://www.googleapis.com/auth/gmail.readonly',
  drive: 'https://www.googleapis.com/auth/drive.readonly',
  sheets: 'https://www.googleapis.com/auth/spreadsheets.readonly',
} as const;

/** What a connection asks Google for: who the account is, and read access to the sources. */
export const GOOGLE_SCOPES = ['openid', 'email', ...Object.values(GOOGLE_READ_SCOPES)] as const;

/** Google's own OAuth endpoints (GOOGLE_OAUTH_BASE_URL replaces their root, for a proxy or a fake). */
const GOOGLE_ENDPOINTS = {
  oauth2AuthBaseUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  oauth2TokenUrl: 'https://oauth2.googleapis.com/token',
  oauth2RevokeUrl: 'https://oauth2.googleapis.com/revoke',
};

/** How long one call to Google's OAuth endpoints may take. */
const OAUTH_TIMEOUT_MS = 10_000;

/** Google said the refresh token is no good any more (`invalid_grant`): revoked, expired, gone. */
export class GoogleGrantRevoked extends Error {}

/** What the code exchange gave: the refresh token and who it is for. */
export interface GoogleGrant {
  refreshToken: string;
  email: string;
  scopes: string[];
}

/**
 * The verified email an ID token names, for this client, from Google; read without checking its
 * signature (see `exchange`), its other claims checked as OpenID Connect Core 3.1.3.7 asks.
 */
function emailOf(idToken: string | null | undefined, clientId: string): string | undefined {
  const payload = idToken?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const fromGoogle = ['https://accounts.google.com', 'accounts.google.com'].includes(
      String(claims.iss),
    );
    if (!fromGoogle || !audience.includes(clientId) || claims.email_verified !== true) {
      return undefined;
    }
    return typeof claims.email === 'string' ? claims.email.slice(0, 320) : undefined;
  } catch {
    return undefined;
  }
}

function isInvalidGrant(error: unknown): boolean {
  const data = (error as { response?: { data?: { error?: unknown } } }).response?.data;
  return data?.error === 'invalid_grant';
}

/**
 * Google's OAuth 2.0 for this service (google-auth-library's OAuth2Client): the authorization
 * URL (code flow, PKCE S256, `state`, offline access), the code exchange, access tokens from a
 * refresh token, and revocation.
 */
@Injectable()
export class GoogleOAuth {
  private readonly oauth: GoogleOAuthConfig | undefined;
  /** GOOGLE_RETURN_URLS parsed once (validated at start-up): origin and path prefix of each. */
  private readonly returnBases: readonly { origin: string; path: string; below: string }[];

  constructor(config: AppConfig) {
    this.oauth = config.google.oauth;
    this.returnBases = (this.oauth?.returnUrls ?? []).map((allowed) => {
      const { origin, pathname } = new URL(allowed);
      return { origin, path: pathname, below: pathname.endsWith('/') ? pathname : `${pathname}/` };
    });
  }

  /** Where a client may send the browser back: an allow-listed URL, or one below it. */
  allowsReturnUrl(url: string): boolean {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return false;
    }
    return this.returnBases.some(
      (base) =>
        target.origin === base.origin &&
        (target.pathname === base.path || target.pathname.startsWith(base.below)),
    );
  }

  /** The URL the browser goes to, and the verifier to keep until the callback. */
  async authorization(state: string): Promise<{ url: string; codeVerifier: string }> {
    const client = this.client();
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    const url = client.generateAuthUrl({
      access_type: 'offline',
      // asked every time: Google sends a refresh token only with a fresh consent
      prompt: 'consent',
      include_granted_scopes: true,
      scope: [...GOOGLE_SCOPES],
      state,
      code_challenge: codeChallenge,
      code_challenge_method: CodeChallengeMethod.S256,
    });
    return { url, codeVerifier };
  }

  /**
   * Exchanges an authorization code. The ID token comes straight from Google's token endpoint
   * over TLS in this exchange, so its claims are read without checking its signature (OpenID
   * Connect Core 3.1.3.7); nothing else that reaches the service is read that way.
   */
  async exchange(code: string, codeVerifier: string): Promise<GoogleGrant> {
    const { tokens } = await this.client().getToken({ code, codeVerifier });
    const email = emailOf(tokens.id_token, this.config().clientId);
    if (!tokens.refresh_token || !email) {
      // a grant this service will not keep is not left behind at Google either
      if (tokens.refresh_token) await this.revoke(tokens.refresh_token);
      throw new Error('Google answered without a refresh token or a verified email');
    }
    const scopes = (tokens.scope ?? '').split(' ').filter(Boolean);
    return { refreshToken: tokens.refresh_token, email, scopes };
  }

  /** A fresh access token; GoogleGrantRevoked when Google no longer honours the refresh token. */
  async accessToken(refreshToken: string): Promise<{ token: string; expiresAt: Date }> {
    const client = this.client();
    client.setCredentials({ refresh_token: refreshToken });
    try {
      const { credentials } = await client.refreshAccessToken();
      if (!credentials.access_token) throw new Error('Google sent no access token');
      const expiresAt = new Date(credentials.expiry_date ?? Date.now() + 3_600_000);
      return { token: credentials.access_token, expiresAt };
    } catch (error) {
      if (isInvalidGrant(error)) throw new GoogleGrantRevoked('The Google grant was revoked');
      throw error;
    }
  }

  /**
   * Revokes a token at Google; best effort (the connection is forgotten here either way), one try
   * within OAUTH_TIMEOUT_MS (OAuth2Client.revokeToken asks gaxios for retries of its own).
   */
  async revoke(token: string): Promise<boolean> {
    try {
      const url = this.client().getRevokeTokenURL(token);
      const res = await fetch(url, {
        method: 'POST',
        signal: AbortSignal.timeout(OAUTH_TIMEOUT_MS),
      });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  get configured(): boolean {
    return this.oauth !== undefined;
  }

  private config(): GoogleOAuthConfig {
    if (!this.oauth) throw new GoogleNotConfiguredError();
    return this.oauth;
  }

  private client(): OAuth2Client {
    const { clientId, clientSecret, redirectUri, baseUrl } = this.config();
    const endpoints = baseUrl
      ? {
          oauth2AuthBaseUrl: `${baseUrl}/o/oauth2/v2/auth`,
          oauth2TokenUrl: `${baseUrl}/token`,
          oauth2RevokeUrl: `${baseUrl}/revoke`,
        }
      : GOOGLE_ENDPOINTS;
    // One try, bounded: OAuth2Client asks gaxios to retry its token requests (RETRY_CONFIG, merged
    // over these defaults); `retryConfig.retry: 0` is the one setting that merge keeps. Node's own
    // fetch: gaxios would otherwise import node-fetch (ESM) dynamically, once per process
    const transporterOptions = {
      timeout: OAUTH_TIMEOUT_MS,
      retryConfig: { retry: 0, noResponseRetries: 0 },
      fetchImplementation: fetch,
    };
    return new OAuth2Client({ clientId, clientSecret, redirectUri, endpoints, transporterOptions });
  }
}
