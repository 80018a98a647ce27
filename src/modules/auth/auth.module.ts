import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../../config/app-config';
import { RateLimitGuard } from '../../core/rate-limit/rate-limit.guard';
import { RateLimitModule } from '../../core/rate-limit/rate-limit.module';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { TwoFactorController } from './two-factor/two-factor.controller';
import { TwoFactorService } from './two-factor/two-factor.service';
import { AuthGuard } from './guards/auth.guard';
import { PasswordHasher } from './password/password-hasher';
import { AccessTokens, JWT_ALGORITHM } from './tokens/access-tokens';
import { JwtStrategy } from './tokens/jwt.strategy';
import { LoginStateService } from './tokens/login-state.service';
import { LoginsRepository } from './tokens/logins.repository';
import { UsersRepository } from './users/users.repository';
import { SuperAdminBootstrap } from './users/super-admin.bootstrap';
import { UsersService } from './users/users.service';
import { AuthorizationGuard } from './guards/authorization.guard';
import { AuditModule } from '../audit';

@Module({
  imports: [
    AuditModule,
    RateLimitModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: config.jwtSecret,
        signOptions: { algorithm: JWT_ALGORITHM },
        verifyOptions: { algorithms: [JWT_ALGORITHM] },
      }),
    }),
  ],
  controllers: [AuthController, ApiKeysController, TwoFactorController],
  providers: [
    // Global guards run in registration order: identify the caller, count the request against
    // its limit (per user, or per IP when not authenticated), then authorize.
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AuthorizationGuard },
    AuthService,
    ApiKeysService,
    ApiKeysRepository,
    UsersRepository,
    UsersService,
    SuperAdminBootstrap,
    LoginsRepository,
    LoginStateService,
    PasswordHasher,
    TwoFactorService,
    AccessTokens,
    JwtStrategy,
  ],
  exports: [AuthService, UsersService],
})
export class AuthModule {}
