import { parseGmailMessage } from './gmail-message.parser';

const data = (text: string, encoding: BufferEncoding = 'utf8') =>
  Buffer.from(text, encoding).toString('base64url');

describe('parseGmailMessage', () => {
  it('prefers text/plain, in the charset its part names, over HTML and attachments', async () => {
    const parsed = await parseGmailMessage({
      id: 'x',
      payload: {
        mimeType: 'multipart/mixed',
        headers: [
          { name: 'subject', value: '=?ISO-8859-1?Q?Caf=E9?= menu' },
          { name: 'FROM', value: '"Doe, Jane" <Jane@Example.com>' },
          { name: 'To', value: 'team: a@x.io, b@x.io;' },
        ],
        parts: [
          {
            mimeType: 'text/plain',
            filename: 'notes.txt',
            body: { attachmentId: 'att', size: 10 },
          },
          {
            mimeType: 'multipart/alternative',
            parts: [
              { mimeType: 'text/html', body: { data: data('<p>html</p>') } },
              {
                mimeType: 'text/plain',
                headers: [{ name: 'Content-Type', value: 'text/plain; charset=iso-8859-1' }],
                body: { data: data('Crème brûlée', 'latin1') },
              },
            ],
          },
        ],
      },
    });
    expect(parsed).toMatchObject({
      subject: 'Café menu',
      sender: 'Doe, Jane <Jane@Example.com>',
      senderAddress: 'jane@example.com',
      recipientsTo: ['a@x.io', 'b@x.io'],
      bodyText: 'Crème brûlée',
      attachments: ['notes.txt'],
      threadId: null,
      labels: [],
    });
  });

  it('falls back to HTML made text, and to internalDate, and keeps no NUL', async () => {
    const parsed = await parseGmailMessage({
      id: 'y',
      internalDate: '1700000000000',
      payload: {
        mimeType: 'text/html',
        headers: [{ name: 'Date', value: 'not a date' }],
        body: { data: data('<div>Hello<br>world\u0000</div><style>p{}</style>') },
      },
    });
    expect(parsed.bodyText).toBe('Hello\nworld');
    expect(parsed.sentAt.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(parsed.snippet).toBe('Hello\nworld');
  });

  // issue 21: a 7 MB HTML body held the event loop for seconds (html-to-text over all of it)
  it('makes text of a 7 MB HTML body from its first 256 KiB only, in the time 256 KiB take', async () => {
    const paragraph = '<p>The <b>quick</b> brown fox jumps.</p>\n';
    const html = paragraph.repeat(Math.floor((7 * 1024 * 1024) / paragraph.length));
    const timed = async (body: string) => {
      const started = performance.now();
      const parsed = await parseGmailMessage({
        id: 'huge',
        payload: { mimeType: 'text/html', body: { data: data(body) } },
      });
      return { parsed, took: performance.now() - started };
    };
    await timed(html.slice(0, 256 * 1024)); // warm-up
    const prefix = await timed(html.slice(0, 256 * 1024));
    const whole = await timed(html);
    expect(whole.parsed.bodyText.startsWith('The quick brown fox jumps.')).toBe(true);
    expect(whole.parsed.bodyText.length).toBeLessThan(256 * 1024);
    // relative, so a loaded machine slows both alike: the whole body converted takes ~28× the prefix
    expect(whole.took).toBeLessThan(prefix.took * 4 + 100);
  });
});
