import { storableTimeOf } from '../../../core/http/timestamps';
import type { ParsedDriveFile } from './drive-files.repository';

/** A Drive `files` resource, as far as the import reads it (google-resources.ts checks it). */
export interface DriveFileResource {
  id: string;
  name: string;
  mimeType?: string;
  description?: string;
  modifiedTime?: string;
  size?: string;
  webViewLink?: string;
  owners?: { displayName?: string; emailAddress?: string }[];
  content_text?: string;
}

/** A NUL cannot be stored in PostgreSQL text. */
export const clean = (text: string | undefined): string => (text ?? '').replaceAll('\u0000', '');

/**
 * A link clients may put in an `href`: http(s) only. Anything else (`javascript:`, `data:`) is
 * not kept — the file is imported without it.
 */
function webLinkOf(link: string | undefined): string | null {
  if (link === undefined) return null;
  try {
    const { protocol } = new URL(link);
    return protocol === 'https:' || protocol === 'http:' ? link : null;
  } catch {
    return null;
  }
}

/**
 * What a Drive file becomes in `drive_files`. Without `content_text` it has no text, or with
 * `keepText` (a sync that did not download it again) keeps the text the casefile holds.
 */
export function toParsedDriveFile(file: DriveFileResource, keepText = false): ParsedDriveFile {
  const modified = (file.modifiedTime && storableTimeOf(file.modifiedTime)) || new Date();
  return {
    googleId: file.id,
    name: clean(file.name),
    mimeType: file.mimeType ?? 'application/octet-stream',
    description: clean(file.description),
    modifiedAt: modified,
    sizeBytes: file.size ?? null,
    webViewLink: webLinkOf(file.webViewLink),
    owners: (file.owners ?? []).flatMap((owner) =>
      (owner.emailAddress ?? owner.displayName)
        ? [clean(owner.emailAddress ?? owner.displayName)]
        : [],
    ),
    contentText: file.content_text === undefined && keepText ? null : clean(file.content_text),
  };
}
