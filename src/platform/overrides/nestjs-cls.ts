import type { DynamicModule, Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { CLS_ID, ClsModule, type ClsModuleOptions, type ClsService } from 'nestjs-cls';

/**
 * nestjs-cls, entered our way (README.md in this folder): the module without its enhancers, and
 * a middleware of ours instead of its `ClsMiddleware`.
 *
 * `ClsModule.forRoot` registers a global guard and interceptor even when they are not mounted
 * (then they do nothing, at the price of two more enhancers on every request): they are dropped
 * here, since the middleware is how the app enters the context.
 */
export function clsModuleWithoutEnhancers(options: ClsModuleOptions): DynamicModule {
  return withoutEnhancers(
    ClsModule.forRoot({ ...options, middleware: { ...options.middleware, mount: false } }),
  );
}

function withoutEnhancers(module: DynamicModule): DynamicModule {
  const enhancer = (provider: Provider) =>
    typeof provider === 'object' &&
    'provide' in provider &&
    (provider.provide === APP_GUARD || provider.provide === APP_INTERCEPTOR);
  const isDynamic = (entry: unknown): entry is DynamicModule =>
    typeof entry === 'object' && entry !== null && 'module' in entry;
  return {
    ...module,
    providers: module.providers?.filter((p) => !enhancer(p)),
    imports: module.imports?.map((entry) => (isDynamic(entry) ? withoutEnhancers(entry) : entry)),
  };
}

/**
 * Opens the request's CLS context with its id, and nothing else. Not nestjs-cls's
 * `ClsMiddleware`: it runs `next()` only after three awaits, and it files every request in a
 * module-wide `WeakMap` (request → store, the store reaching the request) for its own guard and
 * interceptor, which the app does not mount. V8's young-generation collector keeps the values of
 * such entries alive, so every request survived its first scavenge (nestjs-cls.spec.ts measures
 * both).
 */
export function clsContextMiddleware(cls: ClsService, idOf: (req: Request) => string) {
  return (req: Request, _res: Response, next: NextFunction): void =>
    cls.run(() => {
      cls.set(CLS_ID, idOf(req));
      next();
    });
}
