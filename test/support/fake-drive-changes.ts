type Json = Record<string, unknown>;

interface DriveChange {
  fileId: string;
  removed: boolean;
  file?: Json;
}

/**
 * A Drive's change log as `changes.getStartPageToken` and `changes.list` show it: every change
 * made through the methods here is an entry; a page token is a position in the log (opaque to
 * clients), the last page carries `newStartPageToken`. A token made before `expire()` answers
 * 404.
 */
export class FakeDriveChanges {
  private readonly log: DriveChange[] = [];
  /** Tokens carry the epoch they were made in; `expire()` starts a new one. */
  private epoch = 0;

  constructor(private readonly files: () => Json[]) {}

  changed(file: Json): void {
    this.log.push({ fileId: String(file.id), removed: false, file: { ...file } });
  }

  removed(id: string): void {
    this.log.push({ fileId: id, removed: true });
  }

  /** Tokens from before now are no longer honoured. */
  expire(): void {
    this.epoch++;
  }

  private token(position: number): string {
    return `p${this.epoch}-${position}`;
  }

  startPageToken(): Json {
    return { kind: 'drive#startPageToken', startPageToken: this.token(this.log.length) };
  }

  /** `changes.list`: from `pageToken`, `pageSize` a page (at most 1 000); undefined: 404. */
  list(query: URLSearchParams): Json | undefined {
    const [epoch, position] = (query.get('pageToken') ?? '')
      .replace(/^p/, '')
      .split('-')
      .map(Number);
    if (epoch !== this.epoch || !Number.isSafeInteger(position) || position > this.log.length) {
      return undefined;
    }
    const size = Math.min(Number(query.get('pageSize') ?? 100), 1000);
    const page = this.log.slice(position, position + size);
    const end = position + page.length;
    const last = end >= this.log.length;
    return {
      kind: 'drive#changeList',
      ...(last ? { newStartPageToken: this.token(end) } : { nextPageToken: this.token(end) }),
      changes: page.map((change) => ({
        kind: 'drive#change',
        changeType: 'file',
        fileId: change.fileId,
        removed: change.removed,
        time: new Date().toISOString(),
        ...(change.file ? { file: change.file } : {}),
      })),
    };
  }
}
