import { SetMetadata } from '@nestjs/common';

export const AUTH_RATE_LIMITED = 'casefile-hub:auth-rate-limited';

/** The stricter per-IP limit of API.md §1.3 (login, register, refresh). */
export const AuthRateLimited = (): MethodDecorator => SetMetadata(AUTH_RATE_LIMITED, true);
