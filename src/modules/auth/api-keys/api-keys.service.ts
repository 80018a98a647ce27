import { type Page, singlePage } from '../../../core/http/pagination';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { SharedCache } from '../../../core/cache/shared-cache';
import { TransactionHost } from '@nestjs-cls/transactional';
import { RequestValidationError } from '../../../platform/errors/system.errors';
import type { Actor } from '../../../core/hub/actor';
import { ApiKeyNotFoundError, InvalidApiKeyError } from '../auth.errors';
import { newOpaqueSecret, sha256 } from '../tokens/token-hash';
import {
  type ApiKeyDto,
  type CreateApiKeyDto,
  type CreatedApiKeyDto,
  toApiKeyDto,
} from '../dto/api-keys.dto';
import { type ApiKeyCredential, ApiKeysRepository } from './api-keys.repository';
import { AuditService, AuditTrail } from '../../audit';

const KEY_FORMAT = /^chk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const CACHE = 'api_key';
const TTL_SECONDS = 300;

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly cache: SharedCache,
    private readonly auditTrail: AuditTrail,
    private readonly audit: AuditService,
    private readonly txHost: TransactionHost,
  ) {}

  async create(actor: Actor, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const expiresAt = dto.expires_at ? new Date(dto.expires_at) : null;
    if (expiresAt && expiresAt <= new Date()) {
      throw new RequestValidationError([
        { field: 'expires_at', message: 'expires_at must be in the future' },
      ]);
    }
    const prefix = randomBytes(6).toString('hex');
    const key = `chk_${prefix}_${newOpaqueSecret()}`;
    const saved = await this.keys.insert({
      userId: actor.userId,
      name: dto.name,
      prefix,
      keyHash: sha256(key),
      scopes: dto.scopes ?? ['read', 'write'],
      expiresAt,
    });
    this.auditTrail.note({
      resourceType: 'api_key',
      resourceId: saved.id,
      details: { name: saved.name, prefix, scopes: saved.scopes },
    });
    return { ...toApiKeyDto(saved), key };
  }

  async list(actor: Actor): Promise<Page<ApiKeyDto>> {
    const keys = await this.keys.listActiveOf(actor.userId);
    return singlePage(keys.map(toApiKeyDto));
  }

  /** Runs outside a request transaction so the cache is cleared after the revocation commits. */
  async revoke(actor: Actor, id: string): Promise<void> {
    this.auditTrail.note({ resourceType: 'api_key', resourceId: id });
    const prefix = await this.txHost.withTransaction(async () => {
      const revoked = await this.keys.revoke(actor.userId, id);
      if (!revoked) throw new ApiKeyNotFoundError();
      await this.audit.recordSuccessInTransaction();
      return revoked;
    });
    // after the commit, so no request can cache the key from before the revocation
    await this.cache.delete(CACHE, [prefix]);
  }

  /** Forgets cached keys of a user whose account changed (disabled, role changed). */
  async forgetUser(userId: string): Promise<void> {
    await this.cache.delete(CACHE, await this.keys.prefixesOfUser(userId));
  }

  /** The actor behind an `X-API-Key`, or 401 AUTH_INVALID_API_KEY. */
  async authenticate(key: string): Promise<Actor> {
    const match = KEY_FORMAT.exec(key);
    if (!match) throw new InvalidApiKeyError();
    const credential = await this.credential(match[1]);
    if (
      !credential?.active ||
      isExpired(credential.expiresAt) ||
      !sameHash(credential.keyHash, sha256(key))
    ) {
      throw new InvalidApiKeyError();
    }
    this.keys.touch(credential.id).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not record API key use');
    });
    return {
      userId: credential.userId,
      role: credential.role,
      authMethod: 'api_key',
      apiKeyId: credential.id,
      secondFactor: false,
      scopes: credential.scopes,
    };
  }

  private async credential(prefix: string): Promise<ApiKeyCredential | undefined> {
    const cached = await this.cache.get<ApiKeyCredential>(CACHE, prefix);
    if (cached) return cached;
    const credential = await this.keys.findCredential(prefix);
    if (credential) await this.cache.set(CACHE, prefix, credential, TTL_SECONDS);
    return credential;
  }
}

function isExpired(expiresAt: string | null): boolean {
  return expiresAt !== null && new Date(expiresAt) <= new Date();
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
