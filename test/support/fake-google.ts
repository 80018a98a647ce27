import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeDriveChanges } from './fake-drive-changes';
import { FakeGmailHistory } from './fake-gmail-history';
import { FakeGoogleOAuth } from './fake-google-oauth';
import { LocalServer } from './local-server';

type Json = Record<string, unknown>;
type Cell = string | number | boolean;

export interface GoogleRequest {
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  at: number;
}

interface Fault {
  path: RegExp;
  status: number;
  retryAfterSeconds?: number;
  /** The reason in Google's `errors` list (`userRateLimitExceeded`, `cannotExportFile`, …). */
  reason?: string;
}

/** Google's error body (`{error: {code, message, status}}`). */
const googleError = (code: number, status: string, message: string) => ({
  error: { code, message, status },
});

/**
 * A local stand-in for the Google REST APIs a sync job reads, answering with their real shapes:
 * Gmail `users.messages.list` (ids, `nextPageToken`) and `messages.get` (format=full), Drive
 * `files.list` (`pageSize`, `nextPageToken`) and Sheets `spreadsheets.get` (sheet titles) and
 * `values.get` (a ValueRange). Only `Bearer <token>` is let in (else 401 UNAUTHENTICATED); faults
 * (a 429 with Retry-After, a 503) and holds (a request that waits until released) are scripted.
 */
export class FakeGoogle extends LocalServer {
  readonly requests: GoogleRequest[] = [];
  token = 'ya29.fake-google-access-token';
  messages: Json[] = [];
  files: Json[] = [];
  readonly spreadsheets = new Map<string, Map<string, Cell[][]>>();
  /** Google's OAuth endpoints (consent, token, revoke): their access tokens are `token`. */
  readonly oauth = new FakeGoogleOAuth(() => this.token);
  /** The mailbox's history: changes made through `addMessage`, `deleteMessage`, `relabel`. */
  readonly gmailHistory = new FakeGmailHistory(() => this.messages);
  /** The Drive's change log: changes made through `putFile`, `trashFile`, `removeFile`. */
  readonly driveChanges = new FakeDriveChanges(() => this.files);
  /** A file's content (`alt=media`) or a Google Doc's export as text/plain, by file id. */
  readonly fileTexts = new Map<string, string>();
  /** A spreadsheet's modifiedTime (Drive `files.get`), by id. */
  readonly spreadsheetModified = new Map<string, string>();
  private readonly faults: Fault[] = [];
  private readonly holds: { path: RegExp; released: Promise<void> }[] = [];

  static start(): Promise<FakeGoogle> {
    return new FakeGoogle().listen();
  }

  /** The environment of a service whose Google connections use this server. */
  oauthEnv(returnUrls = 'https://app.example.test/google'): Record<string, string> {
    return {
      GOOGLE_CLIENT_ID: this.oauth.clientId,
      GOOGLE_CLIENT_SECRET: this.oauth.clientSecret,
      GOOGLE_REDIRECT_URI: 'https://hub.example.test/v1/google/oauth/callback',
      GOOGLE_OAUTH_BASE_URL: this.origin,
      GOOGLE_RETURN_URLS: returnUrls,
    };
  }

  /** A new message arrives in the mailbox (a history record). */
  addMessage(message: Json): void {
    this.messages.push(message);
    this.gmailHistory.added(message);
  }

  /** A message is deleted from the mailbox (a history record). */
  deleteMessage(id: string): void {
    const index = this.messages.findIndex((m) => m.id === id);
    const [message] = this.messages.splice(index, 1);
    this.gmailHistory.deleted(message);
  }

  /** A message gets a label (a history record). */
  relabel(id: string, label: string): void {
    const message = this.messages.find((m) => m.id === id)!;
    message.labelIds = [...((message.labelIds as string[] | undefined) ?? []), label];
    this.gmailHistory.relabelled(message, [label]);
  }

  /** A file is created or changed in the Drive (a change). */
  putFile(file: Json): void {
    const index = this.files.findIndex((f) => f.id === file.id);
    if (index >= 0) this.files[index] = file;
    else this.files.push(file);
    this.driveChanges.changed(file);
  }

  /** A file goes to the trash (a change whose file says `trashed`). */
  trashFile(id: string): void {
    const file = this.files.find((f) => f.id === id)!;
    file.trashed = true;
    this.driveChanges.changed(file);
  }

  /** A file is deleted for good (a change that says `removed`). */
  removeFile(id: string): void {
    this.files.splice(
      this.files.findIndex((f) => f.id === id),
      1,
    );
    this.driveChanges.removed(id);
  }

  /** What to configure as GOOGLE_API_BASE_URL. */
  get baseUrl(): string {
    return this.origin;
  }

  /** The next request to a path matching `path` answers `status` instead, once. */
  fail(path: RegExp, status: number, retryAfterSeconds?: number, reason?: string): void {
    this.faults.push({ path, status, retryAfterSeconds, reason });
  }

  /** Requests to a matching path wait until the returned function is called. */
  hold(path: RegExp): () => void {
    let release = () => {};
    this.holds.push({ path, released: new Promise<void>((resolve) => (release = resolve)) });
    return () => {
      this.holds.splice(
        this.holds.findIndex((hold) => hold.path === path),
        1,
      );
      release();
    };
  }

  /** The requests to paths matching `path`. */
  seen(path: RegExp): GoogleRequest[] {
    return this.requests.filter((request) => path.test(request.path));
  }

  /** Resolves once `count` requests to paths matching `path` have arrived (held ones count). */
  async arrived(path: RegExp, count = 1, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.seen(path).length < count) {
      if (Date.now() > deadline) {
        throw new Error(`fewer than ${count} request(s) to ${String(path)} in ${timeoutMs} ms`);
      }
      await sleep(20);
    }
  }

  reset(): void {
    this.requests.length = 0;
    this.faults.length = 0;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = decodeURIComponent(url.pathname);
    this.requests.push({
      path,
      query: url.searchParams,
      authorization: req.headers.authorization,
      at: performance.now(),
    });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
      res.end(JSON.stringify(body));
    };
    for (const hold of this.holds.filter((h) => h.path.test(path))) await hold.released;
    const oauth = await this.oauthAnswer(req, path, url.searchParams);
    if (oauth) {
      if (res.destroyed) return;
      res.writeHead(oauth.status, {
        'content-type': 'application/json; charset=UTF-8',
        ...(oauth.location ? { location: oauth.location } : {}),
      });
      res.end(oauth.body === undefined ? '' : JSON.stringify(oauth.body));
      return;
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      send(
        401,
        googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'),
      );
      return;
    }
    const fault = this.faults.findIndex((f) => f.path.test(path));
    if (fault >= 0) {
      const [{ status, retryAfterSeconds, reason: detail }] = this.faults.splice(fault, 1);
      const headers: Record<string, string> =
        retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
      const reason =
        status === 429
          ? 'RESOURCE_EXHAUSTED'
          : status === 403
            ? 'PERMISSION_DENIED'
            : 'UNAVAILABLE';
      const body = googleError(status, reason, 'Try again later.');
      // Drive's v3 errors also list reasons: `{error: {errors: [{domain, reason, message}], …}}`
      if (detail)
        Object.assign(body.error, { errors: [{ domain: 'usageLimits', reason: detail }] });
      send(status, body, headers);
      return;
    }
    const text = this.fileText(path, url.searchParams);
    if (text === null) {
      send(404, googleError(404, 'NOT_FOUND', 'File not found.'));
      return;
    }
    if (text !== undefined) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
      res.end(text);
      return;
    }
    const answer = this.route(path, url.searchParams);
    if (answer) send(200, answer);
    else send(404, googleError(404, 'NOT_FOUND', 'Requested entity was not found.'));
  }

  /** The OAuth endpoints' answer, or undefined for a path that is not one of them. */
  private async oauthAnswer(req: IncomingMessage, path: string, query: URLSearchParams) {
    if (path === '/o/oauth2/v2/auth' && req.method === 'GET') return this.oauth.authorize(query);
    if (req.method !== 'POST' || (path !== '/token' && path !== '/revoke')) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    return path === '/token'
      ? this.oauth.token(form, req.headers.authorization)
      : this.oauth.revoke(query);
  }

  /**
   * `files.export` (text/plain) and `files.get?alt=media`: the file's text; null (a 404) when it
   * has none; undefined for any other request.
   */
  private fileText(path: string, query: URLSearchParams): string | null | undefined {
    const exported = /^\/drive\/v3\/files\/([^/]+)\/export$/.exec(path);
    if (exported && query.get('mimeType') === 'text/plain') {
      return this.fileTexts.get(exported[1]) ?? null;
    }
    const media = /^\/drive\/v3\/files\/([^/]+)$/.exec(path);
    if (media && query.get('alt') === 'media') return this.fileTexts.get(media[1]) ?? null;
    return undefined;
  }

  private route(path: string, query: URLSearchParams): unknown {
    let match: RegExpMatchArray | null;
    if (path === '/drive/v3/changes/startPageToken') return this.driveChanges.startPageToken();
    if (path === '/drive/v3/changes') return this.driveChanges.list(query);
    if ((match = path.match(/^\/drive\/v3\/files\/([^/]+)$/))) {
      const id = match[1];
      const modifiedTime =
        this.spreadsheetModified.get(id) ??
        (this.files.find((f) => f.id === id)?.modifiedTime as string | undefined);
      return modifiedTime && { id, modifiedTime };
    }
    if (path === '/gmail/v1/users/me/profile') return this.gmailHistory.profile();
    if (path === '/gmail/v1/users/me/history') return this.gmailHistory.list(query);
    if (path === '/gmail/v1/users/me/messages') {
      // of Gmail's search, `after:<epoch seconds>` is understood; the rest matches everything
      const after = /(?:^|[\s(])after:(\d+)/.exec(query.get('q') ?? '')?.[1];
      // and spam and trash are left out unless includeSpamTrash, as Gmail does
      const spamTrash = query.get('includeSpamTrash') === 'true';
      const matching = this.messages.filter(
        (m) =>
          (after === undefined || Number(m.internalDate) >= Number(after) * 1000) &&
          (spamTrash ||
            !((m.labelIds as string[] | undefined) ?? []).some(
              (l) => l === 'SPAM' || l === 'TRASH',
            )),
      );
      const { items, nextPageToken } = page(matching, query, 'maxResults', 500);
      return {
        messages: items.map((m) => ({ id: m.id, threadId: m.threadId })),
        ...(nextPageToken ? { nextPageToken } : {}),
        resultSizeEstimate: matching.length,
      };
    }
    if ((match = path.match(/^\/gmail\/v1\/users\/me\/messages\/([^/]+)$/))) {
      return this.messages.find((m) => m.id === match?.[1]);
    }
    if (path === '/drive/v3/files') {
      // of Drive's q, `trashed = false`, `'<folder>' in parents` and `modifiedTime > '<time>'`
      // are understood; the rest matches everything
      const q = query.get('q') ?? '';
      const since = /modifiedTime > '([^']+)'/.exec(q)?.[1];
      const folder = /'([^']+)' in parents/.exec(q)?.[1];
      const matching = this.files.filter(
        (f) =>
          !(q.includes('trashed = false') && f.trashed === true) &&
          (folder === undefined || ((f.parents as string[] | undefined) ?? []).includes(folder)) &&
          (since === undefined || Date.parse(f.modifiedTime as string) > Date.parse(since)),
      );
      const { items, nextPageToken } = page(matching, query, 'pageSize', 1000);
      return { kind: 'drive#fileList', ...(nextPageToken ? { nextPageToken } : {}), files: items };
    }
    if ((match = path.match(/^\/v4\/spreadsheets\/([^/]+)$/))) {
      const sheets = this.spreadsheets.get(match[1]);
      return (
        sheets && {
          spreadsheetId: match[1],
          sheets: [...sheets.keys()].map((title, index) => ({
            properties: { sheetId: index, title, index },
          })),
        }
      );
    }
    if ((match = path.match(/^\/v4\/spreadsheets\/([^/]+)\/values\/(.+)$/))) {
      const [, id, range] = match;
      const title = range
        .split('!')[0]
        .replace(/^'(.*)'$/, '$1')
        .replaceAll("''", "'");
      const values = this.spreadsheets.get(id)?.get(title);
      if (!values) return undefined;
      const quoted = `'${title.replaceAll("'", "''")}'`;
      return { range: `${quoted}!A1:Z${values.length}`, majorDimension: 'ROWS', values };
    }
    return undefined;
  }
}

/** Offset paging as Google does it from the outside: an opaque `pageToken`, a size parameter. */
function page(all: Json[], query: URLSearchParams, sizeParam: string, maxSize: number) {
  const size = Math.min(Number(query.get(sizeParam) ?? maxSize), maxSize);
  const token = query.get('pageToken');
  const offset = token
    ? Number(Buffer.from(token, 'base64url').toString().replace('offset:', ''))
    : 0;
  const end = offset + size;
  return {
    items: all.slice(offset, end),
    nextPageToken:
      end < all.length ? Buffer.from(`offset:${end}`).toString('base64url') : undefined,
  };
}
