import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

export const GOOGLE_CONNECTION_STATUSES = ['pending', 'active', 'revoked'] as const;
export type GoogleConnectionStatus = (typeof GOOGLE_CONNECTION_STATUSES)[number];

/** `google_connections` as migration GoogleConnections1795352400000 creates it. */
@Entity('google_connections')
@Check('google_connections_status_check', `status IN ('pending', 'active', 'revoked')`)
@Check('google_connections_token_check', `status = 'active' OR refresh_token IS NULL`)
@Check('google_connections_access_token_check', `status = 'active' OR access_token IS NULL`)
@Check(
  'google_connections_pending_check',
  `status = 'pending' OR (state_hash IS NULL AND code_verifier IS NULL AND code IS NULL AND confirmation_hash IS NULL)`,
)
@Index('google_connections_state_idx', ['stateHash'], {
  unique: true,
  where: 'state_hash IS NOT NULL',
})
@Index('google_connections_user_idx', ['userId', 'createdAt', 'id'])
export class GoogleConnectionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey('users', { name: 'google_connections_user_id_fkey', onDelete: 'CASCADE' })
  userId!: string;

  @Column('text', { default: 'pending' })
  status!: GoogleConnectionStatus;

  /** The Google account's address (from the ID token of the code exchange); null while pending. */
  @Column('text', { nullable: true })
  email!: string | null;

  /** The scopes Google granted (a user may grant fewer than were asked for). */
  @Column('text', { array: true, default: '{}' })
  scopes!: string[];

  /** Sealed (SecretBox, `google-refresh-tokens`); only while active. */
  @Column('text', { nullable: true })
  refreshToken!: string | null;

  /** The last access token made from the refresh token, sealed (`google-access-tokens`). */
  @Column('text', { nullable: true })
  accessToken!: string | null;

  /** When Google said `accessToken` expires; a minute before, a new one is made. */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  accessTokenExpiresAt!: Date | null;

  /** SHA-256 of the OAuth `state` the browser carries; only while pending. */
  @Column('text', { nullable: true })
  stateHash!: string | null;

  /** The PKCE code verifier, sealed (`google-oauth-flows`); only while pending. */
  @Column('text', { nullable: true })
  codeVerifier!: string | null;

  /** The authorization code Google sent to the callback, sealed; until the user confirms. */
  @Column('text', { nullable: true })
  code!: string | null;

  /** SHA-256 of the confirmation the callback gave the browser; until the user confirms. */
  @Column('text', { nullable: true })
  confirmationHash!: string | null;

  /** Where the browser goes after the callback (an allow-listed URL). */
  @Column('text', { nullable: true })
  returnUrl!: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  authorizedAt!: Date | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lastUsedAt!: Date | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  revokedAt!: Date | null;
}
