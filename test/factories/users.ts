import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types';

export interface TestUser {
  id: string;
  email: string;
  username: string;
  password: string;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
}

/** A unique, valid registration body (tests never share rows). */
export function newUserBody(
  overrides: Partial<Record<'email' | 'username' | 'password', string>> = {},
) {
  const tag = randomBytes(5).toString('hex');
  return {
    email: `user-${tag}@example.test`,
    username: `user_${tag}`,
    password: `Sturdy-passphrase-${tag}`,
    ...overrides,
  };
}

export async function registerUser(app: App, overrides = {}): Promise<TestUser> {
  const body = newUserBody(overrides);
  const res = await request(app).post('/v1/auth/register').send(body);
  // the body says why (a CI failure that reads only "got 503" is a riddle)
  if (res.status !== 201) throw new Error(`register → ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.data.id as string, ...body };
}

export async function login(
  app: App,
  user: Pick<TestUser, 'email' | 'password'>,
): Promise<TokenPair> {
  const res = await request(app)
    .post('/v1/auth/login')
    .send({ email: user.email, password: user.password });
  if (res.status !== 200) throw new Error(`login → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as TokenPair;
}

/** A new user, logged in: their tokens and id. */
export async function loggedInUser(app: App): Promise<TokenPair & { id: string }> {
  const user = await registerUser(app);
  return { ...(await login(app, user)), id: user.id };
}

export const bearer = (tokens: TokenPair | string) =>
  `Bearer ${typeof tokens === 'string' ? tokens : tokens.access_token}`;

/** Gives a user a role directly in the database (test setup only). */
export async function grantRole(
  db: { query: (sql: string, params: unknown[]) => Promise<unknown> },
  userId: string,
  role: 'user' | 'admin' | 'super_admin',
): Promise<void> {
  await db.query('UPDATE users SET role = $2 WHERE id = $1', [userId, role]);
}
