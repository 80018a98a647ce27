import { Injectable } from '@nestjs/common';
import { SharedCache } from '../../../core/cache/shared-cache';
import { type LoginState, LoginsRepository } from './logins.repository';

const CACHE = 'login_state';
/** Bounded anyway; correctness comes from invalidation on every revocation or user change. */
const TTL_SECONDS = 300;

/**
 * The login state behind every access token, read on each authenticated request. Revocation,
 * disabling a user and changing a role invalidate the entry in the same call, so a revoked token
 * fails on the very next request (shared through Redis when there are several instances).
 */
@Injectable()
export class LoginStateService {
  constructor(
    private readonly logins: LoginsRepository,
    private readonly cache: SharedCache,
  ) {}

  async get(loginId: string): Promise<LoginState | undefined> {
    const cached = await this.cache.get<LoginState>(CACHE, loginId);
    if (cached) return cached;
    const state = await this.logins.loadState(loginId);
    if (state) await this.cache.set(CACHE, loginId, state, TTL_SECONDS);
    return state;
  }

  invalidate(loginIds: string[]): Promise<void> {
    return this.cache.delete(CACHE, loginIds);
  }
}
