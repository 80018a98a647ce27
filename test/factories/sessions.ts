import request from 'supertest';
import type { App } from 'supertest/types';
import { bearer, type TokenPair } from './users';

const ROUTES = { tool: '/v1/tool-sessions', chat: '/v1/chat/sessions' } as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an untyped JSON body, as tests read it
type Data = Record<string, any>;

/** Opens a tool or chat session through the API and answers its `data`. */
export async function openSession(
  app: App,
  owner: TokenPair,
  kind: keyof typeof ROUTES,
  body: Record<string, unknown> = {},
): Promise<Data> {
  const res = await request(app)
    .post(ROUTES[kind])
    .set('Authorization', bearer(owner))
    .send(body)
    .expect(201);
  return res.body.data as Data;
}
