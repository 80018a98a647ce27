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

  /**
   * The access line is written on the server's 'finish' event, which may come a moment after the
   * client has the response: wait for it instead of assuming an order.
   */
  async waitFor(predicate: (line: LogLine) => boolean, timeoutMs = 2000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('expected log line never arrived');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
