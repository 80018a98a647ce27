import request from 'supertest';
import type { App } from 'supertest/types';
import { uuidv7 } from 'uuidv7';
import { bearer, type TokenPair } from './users';

export interface CasefileBody {
  title: string;
  description?: string;
  tags?: string[];
}

/** Creates a casefile through the API and answers its `data`. */
export async function createCasefile(
  app: App,
  tokens: TokenPair,
  body: Partial<CasefileBody> = {},
): Promise<{ id: string; version: number; [field: string]: unknown }> {
  const res = await request(app)
    .post('/v1/casefiles')
    .set('Authorization', bearer(tokens))
    .send({ title: 'A casefile', ...body })
    .expect(201);
  return res.body.data as { id: string; version: number };
}

export async function grantPermission(
  app: App,
  granter: TokenPair,
  casefileId: string,
  userId: string,
  permission: 'viewer' | 'editor' | 'manager',
): Promise<void> {
  await request(app)
    .post(`/v1/casefiles/${casefileId}/permissions`)
    .set('Authorization', bearer(granter))
    .send({ user_id: userId, permission })
    .expect(200);
}

/**
 * A tool session straight in the table, in any state (an expired one without waiting for it).
 */
export async function insertToolSession(
  db: { query: (sql: string, params: unknown[]) => Promise<unknown> },
  userId: string,
  options: {
    casefileId?: string;
    status?: 'active' | 'closed' | 'expired';
    expired?: boolean;
  } = {},
): Promise<string> {
  const id = uuidv7();
  await db.query(
    `INSERT INTO sessions (id, kind, user_id, casefile_id, status, ttl_seconds, expires_at, closed_at)
     VALUES ($1, 'tool', $2, $3, $4, 1800, now() + ($5 || ' seconds')::interval,
             CASE WHEN $4 = 'active' THEN NULL ELSE now() END)`,
    [
      id,
      userId,
      options.casefileId ?? null,
      options.status ?? 'active',
      options.expired ? '-60' : '1800',
    ],
  );
  return id;
}
