import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import { type Page, type PageQuery, paginate } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import { SecretBox } from '../../core/secrets/secret-box';
import { RequestValidationError } from '../../platform/errors/system.errors';
import { AuditTrail } from '../audit';
import {
  type GoogleConnectionDto,
  type GoogleOAuthCallbackQuery,
  type StartedGoogleConnectionDto,
  type StartGoogleConnectionDto,
  toGoogleConnectionDto,
} from './dto/google-connections.dto';
import { GoogleConnectionsRepository } from './google-connections.repository';
import {
  GoogleConnectionNotFoundError,
  GoogleConnectionRevokedError,
  GoogleNotConfiguredError,
  OAuthStateError,
} from './google.errors';
import { GoogleGrantRevoked, GoogleOAuth } from './google-oauth';

const hashOf = (state: string) => createHash('sha256').update(state).digest('base64url');

/** `url` with `params` added to its query (a return URL may carry a query of its own). */
function withParams(url: string, params: Record<string, string>): string {
  const target = new URL(url);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  return target.toString();
}

/**
 * Google connections (API.md §7.1): a user connects a Google account once (authorization code
 * with PKCE, `state`, offline access); the refresh token is kept sealed, and access tokens are
 * made from it when a sync needs one. Google refusing the grant revokes the connection.
 */
@Injectable()
export class GoogleConnectionsService {
  private readonly logger = new Logger('GoogleConnections');

  constructor(
    private readonly connections: GoogleConnectionsRepository,
    private readonly oauth: GoogleOAuth,
    private readonly secrets: SecretBox,
    private readonly auditTrail: AuditTrail,
  ) {}

  /** A pending connection and the Google consent URL the browser goes to. */
  async start(actor: Actor, dto: StartGoogleConnectionDto): Promise<StartedGoogleConnectionDto> {
    if (!this.oauth.configured) throw new GoogleNotConfiguredError();
    if (!this.oauth.allowsReturnUrl(dto.return_url)) {
      throw new RequestValidationError([
        { field: 'return_url', message: 'return_url is not one of GOOGLE_RETURN_URLS' },
      ]);
    }
    const state = randomBytes(32).toString('base64url');
    const { url, codeVerifier } = await this.oauth.authorization(state);
    const row = await this.connections.insertPending({
      id: uuidv7(),
      userId: actor.userId,
      stateHash: hashOf(state),
      codeVerifier: this.secrets.seal('google-oauth-verifiers', codeVerifier),
      returnUrl: dto.return_url,
    });
    this.auditTrail.note({ resourceType: 'google_connection', resourceId: row.id });
    return { ...toGoogleConnectionDto(row), authorization_url: url };
  }

  /**
   * Google's redirect back: the code is exchanged and the connection becomes active. Answers where
   * to send the browser: the connection's return URL with `connection_id`, or with `error`
   * (`access_denied`, `exchange_failed`, …). An unknown, used or expired `state` has no return
   * URL to trust: OAuthStateError.
   */
  async callback(query: GoogleOAuthCallbackQuery): Promise<string> {
    if (!query.state) throw new OAuthStateError();
    const pending = await this.connections.takePending(hashOf(query.state));
    if (!pending) throw new OAuthStateError();
    this.auditTrail.note({ resourceType: 'google_connection', resourceId: pending.id });
    const back = (params: Record<string, string>) => withParams(pending.returnUrl, params);
    const verifier = this.secrets.open('google-oauth-verifiers', pending.codeVerifier);
    if (query.error || !query.code || verifier === undefined) {
      await this.connections.dropPending(pending.id);
      const error = query.error ?? (query.code ? 'server_error' : 'invalid_request');
      this.auditTrail.note({ details: { error } });
      return back({ error: error.replace(/[^a-z_]/g, '').slice(0, 40) || 'server_error' });
    }
    let grant;
    try {
      grant = await this.oauth.exchange(query.code, verifier);
    } catch (error) {
      this.logger.warn({ err: error, connectionId: pending.id }, 'Google code exchange failed');
      await this.connections.dropPending(pending.id);
      this.auditTrail.note({ details: { error: 'exchange_failed' } });
      return back({ error: 'exchange_failed' });
    }
    const sealed = this.secrets.seal('google-refresh-tokens', grant.refreshToken);
    if (!(await this.connections.activate(pending.id, { ...grant, refreshToken: sealed }))) {
      // deleted by its user while the browser was at Google: nothing of it is kept
      await this.oauth.revoke(grant.refreshToken);
      return back({ error: 'revoked' });
    }
    this.auditTrail.note({ details: { email: grant.email, scopes: grant.scopes } });
    return back({ connection_id: pending.id });
  }

  list(actor: Actor, query: PageQuery): Promise<Page<GoogleConnectionDto>> {
    return paginate(
      query,
      {
        sort: '-created_at',
        fetch: (take, after) => this.connections.list(actor.userId, take, after),
        count: () => this.connections.count(actor.userId),
      },
      toGoogleConnectionDto,
    );
  }

  /** Revokes the caller's connection: forgotten here, revoked at Google (best effort). */
  async remove(actor: Actor, id: string): Promise<void> {
    this.auditTrail.note({ resourceType: 'google_connection', resourceId: id });
    const revoked = await this.connections.revoke(id, actor.userId);
    if (!revoked) throw new GoogleConnectionNotFoundError();
    const token = revoked.refreshToken
      ? this.secrets.open('google-refresh-tokens', revoked.refreshToken)
      : undefined;
    const atGoogle = token === undefined ? undefined : await this.oauth.revoke(token);
    this.auditTrail.note({ details: { revoked_at_google: atGoogle ?? null } });
  }

  /**
   * A fresh access token for an active connection, for work done on its user's behalf. Google
   * refusing the grant (`invalid_grant`) revokes the connection: GoogleConnectionRevokedError,
   * as for one that is revoked or gone already.
   */
  async accessToken(connectionId: string): Promise<string> {
    const found = await this.connections.refreshTokenOf(connectionId);
    const refreshToken = found && this.secrets.open('google-refresh-tokens', found.refreshToken);
    if (refreshToken === undefined) throw new GoogleConnectionRevokedError();
    try {
      return (await this.oauth.accessToken(refreshToken)).token;
    } catch (error) {
      if (!(error instanceof GoogleGrantRevoked)) throw error;
      await this.connections.markRevoked(connectionId);
      this.logger.warn({ connectionId }, 'Google refused the grant: connection revoked');
      throw new GoogleConnectionRevokedError();
    }
  }
}
