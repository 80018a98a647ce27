import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiEnvelopeResponse } from '../../core/http/api-envelope.decorator';
import { Public } from '../../core/http/public.decorator';
import { Idempotent } from '../../core/idempotency/idempotent.decorator';
import { AuthRateLimited } from '../../core/rate-limit/rate-limit.decorators';
import type { Actor } from '../../core/hub/actor';
import { Operation } from '../../core/hub/operation.decorator';
import { AuthService, type ClientInfo } from './auth.service';
import { CurrentActor } from './current-actor.decorator';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { RegisterDto } from './dto/register.dto';
import { LogoutResultDto, TokenPairDto } from './dto/token-pair.dto';
import { UserDto } from './dto/user.dto';

const clientOf = (req: Request): ClientInfo => ({
  ip: req.ip,
  userAgent: req.headers['user-agent'],
});

@ApiTags('Auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Public()
  @AuthRateLimited()
  @Idempotent()
  @Operation('register', {
    summary: 'Create an account',
    errors: ['BR_WEAK_PASSWORD', 'CF_DUPLICATE_EMAIL', 'CF_DUPLICATE_USERNAME'],
  })
  @ApiEnvelopeResponse(UserDto, { status: 201 })
  register(@Body() dto: RegisterDto): Promise<UserDto> {
    return this.auth.register(dto);
  }

  @Post('login')
  @HttpCode(200)
  @Public()
  @AuthRateLimited()
  @Operation('login', {
    summary: 'Log in with email and password (and a TOTP code when 2FA is on)',
    errors: [
      'AUTH_INVALID_CREDENTIALS',
      'AUTH_OTP_REQUIRED',
      'AUTH_INVALID_OTP',
      'AUTH_ACCOUNT_DISABLED',
      'AUTH_TOO_MANY_ATTEMPTS',
    ],
    transaction: false,
  })
  @ApiEnvelopeResponse(TokenPairDto)
  login(@Body() dto: LoginDto, @Req() req: Request): Promise<TokenPairDto> {
    return this.auth.login(dto, clientOf(req));
  }

  @Post('refresh')
  @HttpCode(200)
  @Public()
  @AuthRateLimited()
  @Operation('refresh_token', {
    summary: 'Trade a refresh token for a new token pair',
    errors: ['AUTH_INVALID_TOKEN', 'AUTH_REFRESH_REUSED', 'AUTH_ACCOUNT_DISABLED'],
    transaction: false,
  })
  @ApiEnvelopeResponse(TokenPairDto)
  refresh(@Body() dto: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refresh_token);
  }

  @Post('logout')
  @HttpCode(200)
  @Operation('logout', {
    summary: 'End the current login: its refresh and access tokens stop working',
    errors: [],
    transaction: false,
  })
  @ApiEnvelopeResponse(LogoutResultDto)
  logout(@CurrentActor() actor: Actor): Promise<LogoutResultDto> {
    return this.auth.logout(actor);
  }

  @Get('me')
  @Operation('get_me', { summary: 'The current user', errors: ['AUTH_INVALID_CREDENTIALS'] })
  @ApiEnvelopeResponse(UserDto)
  me(@CurrentActor() actor: Actor): Promise<UserDto> {
    return this.auth.me(actor);
  }
}
