import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import { type Page, type PageQuery, paginate } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import { SecretBox } from '../../core/secrets/secret-box';
import { RequestValidationError } from '../../platform/errors/system.errors';
import { AuditTrail } from '../audit';
import {
  type ConfirmGoogleConnectionDto,
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
  GoogleExchangeFailedError,
  GoogleNotConfiguredError,
  GoogleScopeMissingError,
  OAuthStateError,
} from './google.errors';
import { GOOGLE_READ_SCOPES, GoogleGrantRevoked, GoogleOAuth } from './google-oauth';

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
      codeVerifier: this.secrets.seal('google-oauth-flows', codeVerifier),
      returnUrl: dto.return_url,
    });
    this.auditTrail.note({ resourceType: 'google_connection', resourceId: row.id });
    return { ...toGoogleConnectionDto(row), authorization_url: url };
  }

  /**
   * Google's redirect back, in whatever browser consented. Nothing is connected here: the state
   * is spent, the code kept sealed, and the browser sent to the return URL with the connection id
   * and a one-time confirmation, which the user's own client sends to `confirm`. So a flow started
   * by one user and consented to in another's browser (a link sent to a victim) connects nobody:
   * the victim's client is not the starter, and the starter never sees the confirmation.
   * An unknown, used or expired `state` has no return URL to trust: OAuthStateError.
   */
  async callback(query: GoogleOAuthCallbackQuery): Promise<string> {
    if (!query.state) throw new OAuthStateError();
    const stateHash = hashOf(query.state);
    if (query.error || !query.code) {
      const dropped = await this.connections.dropByState(stateHash);
      if (!dropped) throw new OAuthStateError();
      const error = (query.error ?? 'invalid_request').replace(/[^a-z_]/g, '').slice(0, 40);
      return withParams(dropped.returnUrl, { error: error || 'invalid_request' });
    }
    const confirmation = randomBytes(32).toString('base64url');
    const code = this.secrets.seal('google-oauth-flows', query.code);
    const taken = await this.connections.takeCallback(stateHash, code, hashOf(confirmation));
    if (!taken) throw new OAuthStateError();
    this.auditTrail.note({ resourceType: 'google_connection', resourceId: taken.id });
    return withParams(taken.returnUrl, { connection_id: taken.id, confirmation });
  }

  /**
   * The user's client confirms the connection the browser came back with: the code is exchanged
   * (PKCE) and the connection becomes active. Another user's connection, a wrong or spent
   * confirmation, or one past ten minutes: 404, and nothing is exchanged.
   */
  async confirm(
    actor: Actor,
    id: string,
    dto: ConfirmGoogleConnectionDto,
  ): Promise<GoogleConnectionDto> {
    this.auditTrail.note({ resourceType: 'google_connection', resourceId: id });
    const taken = await this.connections.takeConfirmation(
      id,
      actor.userId,
      hashOf(dto.confirmation),
    );
    const code = taken && this.secrets.open('google-oauth-flows', taken.code);
    const verifier = taken && this.secrets.open('google-oauth-flows', taken.codeVerifier);
    if (code === undefined || verifier === undefined) throw new GoogleConnectionNotFoundError();
    let grant;
    try {
      grant = await this.oauth.exchange(code, verifier);
    } catch (error) {
      this.logger.warn({ err: error, connectionId: id }, 'Google code exchange failed');
      await this.connections.dropPending(id);
      throw new GoogleExchangeFailedError();
    }
    const sealed = this.secrets.seal('google-refresh-tokens', grant.refreshToken);
    const active = await this.connections
      .activate(id, { ...grant, refreshToken: sealed })
      .catch(async (error: unknown) => {
        await this.oauth.revoke(grant.refreshToken); // kept nowhere: not left behind at Google
        throw error;
      });
    if (!active) {
      // revoked by its user meanwhile: nothing of it is kept
      await this.oauth.revoke(grant.refreshToken);
      throw new GoogleConnectionNotFoundError();
    }
    this.auditTrail.note({ details: { email: grant.email, scopes: grant.scopes } });
    return toGoogleConnectionDto(active);
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
   * The caller's connection, usable to read `data` on their behalf: another user's, a pending or
   * an unknown one is GoogleConnectionNotFoundError; a revoked one GoogleConnectionRevokedError;
   * one not granted the read scope of `data` GoogleScopeMissingError.
   */
  async requireActive(
    actor: Actor,
    connectionId: string,
    data: keyof typeof GOOGLE_READ_SCOPES,
  ): Promise<void> {
    const found = await this.connections.statusOf(connectionId, actor.userId);
    if (found?.status === 'revoked') throw new GoogleConnectionRevokedError();
    if (found?.status !== 'active') throw new GoogleConnectionNotFoundError();
    const scope = GOOGLE_READ_SCOPES[data];
    if (!found.scopes.includes(scope)) throw new GoogleScopeMissingError(scope);
  }

  /**
   * An access token for an active connection, for work done on its user's behalf: the last one
   * made while it has a minute left, else a new one from the refresh token (kept sealed for the
   * next caller). `fresh` skips the kept one (Google answered 401 to it). Google refusing the
   * grant (`invalid_grant`) revokes the connection: GoogleConnectionRevokedError, as for one that
   * is revoked or gone already.
   */
  async accessToken(connectionId: string, options: { fresh?: boolean } = {}): Promise<string> {
    const found = await this.connections.tokensOf(connectionId);
    const kept =
      found?.accessToken && !options.fresh
        ? this.secrets.open('google-access-tokens', found.accessToken)
        : undefined;
    if (kept !== undefined) return kept;
    const refreshToken = found && this.secrets.open('google-refresh-tokens', found.refreshToken);
    if (refreshToken === undefined) throw new GoogleConnectionRevokedError();
    try {
      const { token, expiresAt } = await this.oauth.accessToken(refreshToken);
      const sealed = this.secrets.seal('google-access-tokens', token);
      await this.connections.keepAccessToken(connectionId, sealed, expiresAt);
      return token;
    } catch (error) {
      if (!(error instanceof GoogleGrantRevoked)) throw error;
      await this.connections.markRevoked(connectionId);
      this.logger.warn({ connectionId }, 'Google refused the grant: connection revoked');
      throw new GoogleConnectionRevokedError();
    }
  }
}
