import { type ExecutionContext, RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import type { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { isMutating } from '../http/http-methods';
import { isPublicRoute } from '../http/public.decorator';
import { requestIdOf } from '../http/request-id';
import { responseModeOf } from '../http/event-stream';
import { IDEMPOTENT, type IdempotentOptions } from '../idempotency/idempotent.decorator';
import type { Actor } from './actor';
import { OPERATION_METADATA, type OperationMetadata } from './operation.decorator';
import type { RequestContext } from './request-context';
import type { RequestHook, RouteFacts } from './request-hook';

/**
 * The matched route template (`/v1/casefiles/:id`). A wildcard path is the catch-all middleware
 * mount, not a route of ours (no handler uses wildcards): the request matched no route.
 */
export function routeTemplateOf(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  const path = route?.path;
  return typeof path === 'string' && !path.includes('{*') ? path : '<unmatched>';
}

/** What the hub needs of a route, read once per handler (metadata does not change at run time). */
export interface RoutePlan {
  operation: OperationMetadata;
  route: string;
  successStatus: number;
  noContent: boolean;
  transactional: boolean;
  idempotent: boolean;
  /** Fields of an idempotent answer's `data` that are never stored for replay. */
  secretFields: readonly string[];
  hooks: readonly RequestHook[];
  hookNames: string[];
}

/** Each handler's plan, made on its first request. */
export class RoutePlans {
  private readonly plans = new WeakMap<object, RoutePlan>();

  constructor(
    private readonly reflector: Reflector,
    private readonly hooks: readonly RequestHook[],
  ) {}

  of(execution: ExecutionContext, req: Request): RoutePlan {
    const handler = execution.getHandler();
    const known = this.plans.get(handler);
    if (known) return known;
    const operation = this.reflector.get<OperationMetadata | undefined>(
      OPERATION_METADATA,
      handler,
    );
    if (!operation) {
      // Fail closed: a route without an operation has no name for audit, metrics or the envelope.
      throw new Error(`${execution.getClass().name}.${handler.name} has no @Operation()`);
    }
    const declaredMethod = this.reflector.get<RequestMethod | undefined>(METHOD_METADATA, handler);
    const method = declaredMethod === undefined ? req.method : RequestMethod[declaredMethod];
    const declaredStatus = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, handler);
    const facts: RouteFacts = {
      method,
      route: routeTemplateOf(req),
      operation,
      isPublic: isPublicRoute(this.reflector, execution),
      handler,
    };
    const idempotent = this.reflector.get<IdempotentOptions | undefined>(IDEMPOTENT, handler);
    const hooks = this.hooks.filter((hook) => hook.appliesTo?.(facts) ?? true);
    const plan: RoutePlan = {
      operation,
      route: facts.route,
      successStatus: declaredStatus ?? (method === 'POST' ? 201 : 200),
      noContent: declaredStatus === 204,
      transactional: operation.transaction ?? isMutating(method),
      idempotent: idempotent !== undefined,
      secretFields: idempotent?.secretFields ?? [],
      hooks,
      hookNames: hooks.map((hook) => hook.name),
    };
    this.plans.set(handler, plan);
    return plan;
  }
}

/** The request's context, as the hub builds it from the request and its route's plan. */
export function contextOf(req: Request, plan: RoutePlan): RequestContext {
  return {
    kind: 'request',
    requestId: requestIdOf(req),
    actor: req.user as Actor | undefined,
    operation: plan.operation.name,
    options: plan.operation,
    params: req.params as Record<string, string>,
    body: req.body as unknown,
    responseMode: responseModeOf(plan.operation, req),
    method: req.method,
    route: plan.route,
    startedAt: performance.now(),
    ip: req.ip,
    userAgent: req.headers['user-agent'],
    hooks: plan.hookNames,
    successStatus: plan.successStatus,
    afterCommit: [],
  };
}
