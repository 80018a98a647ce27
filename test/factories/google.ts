import request from 'supertest';
import type { App } from 'supertest/types';
import type { FakeGoogle } from '../support/fake-google';
import { bearer, type TokenPair } from './users';

/** The return URL the test services allow (FakeGoogle.oauthEnv's default). */
export const GOOGLE_RETURN_URL = 'https://app.example.test/google';

/**
 * Connects `user`'s Google account as a web client does (API.md §7.1): starts the connection,
 * plays the browser at the fake Google (consent, redirect to the callback), and confirms what the
 * callback sent back. The new connection's id.
 */
export async function connectGoogle(
  server: App,
  google: FakeGoogle,
  user: TokenPair,
): Promise<string> {
  const started = await request(server)
    .post('/v1/google/connections')
    .set('Authorization', bearer(user))
    .send({ return_url: `${GOOGLE_RETURN_URL}/done` })
    .expect(201);
  const consent = await fetch(started.body.data.authorization_url as string, {
    redirect: 'manual',
  });
  const callback = new URL(consent.headers.get('location')!);
  const back = await request(server).get(`${callback.pathname}${callback.search}`).expect(302);
  const confirmation = new URL(back.headers.location).searchParams.get('confirmation');
  const id = started.body.data.id as string;
  await request(server)
    .post(`/v1/google/connections/${id}/confirm`)
    .set('Authorization', bearer(user))
    .send({ confirmation })
    .expect(200);
  return id;
}
