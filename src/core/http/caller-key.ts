import type { Request } from 'express';
import type { Actor } from '../hub/actor';

/**
 * Who is calling, as one key for per-caller state (rate-limit counters, idempotency records):
 * the user when authenticated, else the client IP.
 */
export function callerKeyOf(req: Request): string {
  const actor = req.user as Actor | undefined;
  return actor ? `user:${actor.userId}` : `ip:${req.ip ?? 'unknown'}`;
}
