type Json = Record<string, unknown>;

type Change = 'messagesAdded' | 'messagesDeleted' | 'labelsAdded' | 'labelsRemoved';

interface HistoryRecord {
  id: number;
  change: Change;
  message: { id: string; threadId: unknown; labelIds: unknown };
  labelIds?: string[];
}

/**
 * A Gmail mailbox's history as `users.history.list` shows it: every change made through the
 * methods here is a record with a rising id; `users.getProfile` answers the current id. Records
 * older than `expire()` left are gone: a start before them answers 404, as Gmail does for an id
 * it no longer keeps (about a week).
 */
export class FakeGmailHistory {
  private historyId = 1000;
  private floor = 0;
  private readonly records: HistoryRecord[] = [];

  constructor(private readonly mailbox: () => Json[]) {}

  get currentId(): string {
    return String(this.historyId);
  }

  added(message: Json): void {
    this.record('messagesAdded', message);
  }

  deleted(message: Json): void {
    this.record('messagesDeleted', message);
  }

  relabelled(message: Json, added: string[]): void {
    this.record('labelsAdded', message, added);
  }

  /** Every record so far is forgotten: a start before now answers 404. */
  expire(): void {
    this.records.length = 0;
    this.floor = ++this.historyId;
  }

  profile(): Json {
    return {
      emailAddress: 'ada@example.test',
      messagesTotal: this.mailbox().length,
      threadsTotal: this.mailbox().length,
      historyId: this.currentId,
    };
  }

  /** `users.history.list`: records after `startHistoryId`, `maxResults` a page; undefined: 404. */
  list(query: URLSearchParams): Json | undefined {
    const start = Number(query.get('startHistoryId'));
    if (!Number.isSafeInteger(start) || start < this.floor) return undefined;
    const size = Math.min(Number(query.get('maxResults') ?? 100), 500);
    const offset = Number(query.get('pageToken') ?? 0);
    const after = this.records.filter((record) => record.id > start);
    const page = after.slice(offset, offset + size);
    const next = offset + size < after.length ? String(offset + size) : undefined;
    return {
      history: page.map((record) => ({
        id: String(record.id),
        messages: [{ id: record.message.id, threadId: record.message.threadId }],
        [record.change]: [
          {
            message: record.message,
            ...(record.labelIds ? { labelIds: record.labelIds } : {}),
          },
        ],
      })),
      ...(next ? { nextPageToken: next } : {}),
      historyId: this.currentId,
    };
  }

  private record(change: Change, message: Json, labelIds?: string[]): void {
    this.records.push({
      id: ++this.historyId,
      change,
      message: { id: String(message.id), threadId: message.threadId, labelIds: message.labelIds },
      labelIds,
    });
  }
}
