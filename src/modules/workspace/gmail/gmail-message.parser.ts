import { convert } from 'html-to-text';
import PostalMime from 'postal-mime';
import { isStorableTime } from '../../../core/http/timestamps';
import type { GmailMessageEntity } from './gmail-message.entity';
import type { GMAIL_COLUMNS } from './gmail-messages.repository';

/** A part of a Gmail API message (`format=full`): headers, a base64url body, nested parts. */
export interface GmailPart {
  mimeType?: string;
  filename?: string;
  headers?: { name: string; value: string }[];
  body?: { data?: string; size?: number; attachmentId?: string };
  parts?: GmailPart[];
}

/** A Gmail API `users.messages` resource, `format=full` (payload) or `format=raw` (raw). */
export interface GmailMessageResource {
  id: string;
  threadId?: string;
  labelIds?: string[];
  snippet?: string;
  internalDate?: string;
  payload?: GmailPart;
  raw?: string;
}

/** What a message is in a casefile. */
export type ParsedGmailMessage = Pick<
  GmailMessageEntity,
  'googleId' | (typeof GMAIL_COLUMNS)[number]
>;

type Mailbox = { name: string; address?: string; group?: Mailbox[] };

/** How deep an HTML body is read (real mail nests tables a few dozen levels at most). */
const MAX_HTML_DEPTH = 256;
/**
 * How much of an HTML body is made text: html-to-text runs on the event loop at about 5 MB/s, so
 * this bounds one message's share of it (~50 ms); the rest of a larger body is left out.
 */
export const MAX_HTML_CHARS = 256 * 1024;
/** How deep a raw message's multiparts may nest (postal-mime refuses deeper ones). */
const MAX_MIME_DEPTH = 32;

/** A message that cannot be read as what it claims to be; `field` names the part of it. */
export class MessageFormatError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** `Name <address>` (or the address alone), groups flattened. */
function mailboxesOf(header: string): { display: string; address: string }[] {
  const parsed = PostalMime.addressParser(PostalMime.decodeWords(header)) as Mailbox[];
  return parsed
    .flatMap((entry) => entry.group ?? [entry])
    .filter((mailbox) => mailbox.address)
    .map(({ name, address = '' }) => ({
      display: name ? `${name} <${address}>` : address,
      address: address.toLowerCase(),
    }));
}

function headerOf(part: GmailPart | undefined, name: string): string | undefined {
  const lower = name.toLowerCase();
  return part?.headers?.find((header) => header.name.toLowerCase() === lower)?.value;
}

/** The charset a part's Content-Type names, when TextDecoder knows it (else UTF-8). */
function decoderFor(part: GmailPart): InstanceType<typeof TextDecoder> {
  const charset = /charset="?([^";\s]+)"?/i.exec(headerOf(part, 'Content-Type') ?? '')?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8');
  } catch {
    return new TextDecoder('utf-8');
  }
}

/**
 * A part's text; with `maxChars`, only the start of it is decoded (at most 4 bytes a character:
 * the base64url that holds that many bytes), so a 7 MB HTML part costs what its used prefix does.
 */
function textOf(part: GmailPart, maxChars = Infinity): string {
  const data = part.body?.data ?? '';
  const encoded = Number.isFinite(maxChars)
    ? data.slice(0, Math.ceil((maxChars * 4) / 3) * 4)
    : data;
  return decoderFor(part).decode(Buffer.from(encoded, 'base64url'));
}

/**
 * HTML made text. html-to-text walks the document recursively: past `maxDepth` levels it stops
 * descending (what is deeper is left out), so a document nested 20 000 deep cannot overflow the
 * stack. Entities become characters (`&lt;svg&gt;` becomes the text `<svg>`): this is text, and
 * whatever shows it must escape it (search snippets do).
 */
const htmlToText = (html: string): string =>
  convert(html.slice(0, MAX_HTML_CHARS), {
    wordwrap: false,
    limits: { maxDepth: MAX_HTML_DEPTH },
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
    ],
  });

/** Every part, depth first (the payload itself first). */
function* partsOf(part: GmailPart): Generator<GmailPart> {
  yield part;
  for (const child of part.parts ?? []) yield* partsOf(child);
}

const isAttachment = (part: GmailPart) =>
  Boolean(part.filename) || Boolean(part.body?.attachmentId);

/** text/plain preferred, else HTML made text; attachments never count as the body. */
function bodyOf(payload: GmailPart): string {
  const inline = [...partsOf(payload)].filter((part) => !isAttachment(part) && part.body?.data);
  const plain = inline.find((part) => part.mimeType?.toLowerCase() === 'text/plain');
  if (plain) return textOf(plain);
  const html = inline.find((part) => part.mimeType?.toLowerCase() === 'text/html');
  return html ? htmlToText(textOf(html, MAX_HTML_CHARS)) : '';
}

/**
 * The Date header, else Gmail's internalDate, else now (the import). A header that is no date,
 * or one outside the years 0001–9999, is ignored like a missing one (mail carries what senders
 * wrote); the API's own `internalDate` was checked before.
 */
function sentAtOf(date: string | undefined, internalDate: string | undefined): Date {
  const fromHeader = date ? new Date(date) : undefined;
  if (fromHeader && isStorableTime(fromHeader)) return fromHeader;
  const internal = internalDate ? new Date(Number(internalDate)) : undefined;
  if (internal && isStorableTime(internal)) return internal;
  return new Date();
}

/** A NUL cannot be stored in PostgreSQL text; a message may still carry one. */
const clean = (text: string): string => text.replaceAll('\u0000', '');

function parsedOf(
  resource: GmailMessageResource,
  headers: { subject?: string; from?: string; to?: string; cc?: string; date?: string },
  bodyText: string,
  attachments: string[],
): ParsedGmailMessage {
  const from = headers.from ? mailboxesOf(headers.from)[0] : undefined;
  const body = clean(bodyText).trim();
  return {
    googleId: resource.id,
    threadId: resource.threadId ?? null,
    subject: clean(PostalMime.decodeWords(headers.subject ?? '')).trim(),
    sender: clean(from?.display ?? PostalMime.decodeWords(headers.from ?? '')),
    senderAddress: from?.address ?? '',
    recipientsTo: headers.to ? mailboxesOf(headers.to).map((m) => clean(m.display)) : [],
    recipientsCc: headers.cc ? mailboxesOf(headers.cc).map((m) => clean(m.display)) : [],
    sentAt: sentAtOf(headers.date, resource.internalDate),
    snippet: clean(resource.snippet ?? body.slice(0, 200)),
    labels: resource.labelIds ?? [],
    bodyText: body,
    attachments: attachments.map(clean),
  };
}

/**
 * A Gmail API message as the casefile keeps it (API.md §7): Subject, From, To, Cc and Date
 * (encoded words decoded), the text body — text/plain, else the HTML made text with
 * html-to-text — and the names of its attachments. `format=raw` messages are parsed with
 * postal-mime.
 */
export async function parseGmailMessage(
  resource: GmailMessageResource,
): Promise<ParsedGmailMessage> {
  if (resource.raw !== undefined) {
    const email = await PostalMime.parse(Buffer.from(resource.raw, 'base64url'), {
      maxNestingDepth: MAX_MIME_DEPTH,
    }).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : 'it is not a MIME message';
      throw new MessageFormatError('raw', `raw could not be read: ${reason.slice(0, 200)}`);
    });
    const header = (key: string) => email.headers.find((h) => h.key === key)?.value;
    return parsedOf(
      resource,
      {
        subject: email.subject,
        from: header('from'),
        to: header('to'),
        cc: header('cc'),
        date: header('date'),
      },
      email.text ?? (email.html ? htmlToText(email.html) : ''),
      email.attachments.flatMap((attachment) => (attachment.filename ? [attachment.filename] : [])),
    );
  }
  const payload = resource.payload ?? {};
  return parsedOf(
    resource,
    {
      subject: headerOf(payload, 'Subject'),
      from: headerOf(payload, 'From'),
      to: headerOf(payload, 'To'),
      cc: headerOf(payload, 'Cc'),
      date: headerOf(payload, 'Date'),
    },
    bodyOf(payload),
    [...partsOf(payload)].flatMap((part) => (part.filename ? [part.filename] : [])),
  );
}
