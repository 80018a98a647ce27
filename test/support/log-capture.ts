import { Writable } from 'node:stream';

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** A pino destination that keeps every JSON line, so tests can assert on what was logged. */
export class LogCapture extends Writable {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error) => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as LogLine);
    }
    done();
  }

  forRequest(requestId: string): LogLine[] {
    return this.lines.filter((line) => line.request_id === requestId);
  }
}
