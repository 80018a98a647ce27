import { ToolError } from '../registry/tool.decorator';

/** A tool's result as stored and answered: its JSON text, or how large it would have been. */
export type SerialisedResult = { json: string } | { tooLarge: number };

/** JSON text of a result within `maxBytes` (UTF-8); `undefined` is `null`. */
export function serialiseResult(result: unknown, maxBytes: number): SerialisedResult {
  let json: string | undefined;
  try {
    json = JSON.stringify(result ?? null);
  } catch {
    throw new ToolError('The tool returned a result that is not JSON');
  }
  if (json === undefined) throw new ToolError('The tool returned a result that is not JSON');
  const bytes = Buffer.byteLength(json);
  return bytes > maxBytes ? { tooLarge: bytes } : { json };
}
