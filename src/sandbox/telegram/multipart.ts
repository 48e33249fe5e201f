/**
 * A minimal multipart/form-data parser (RFC 7578) for Bot API uploads.
 * grammY writes its part headers tersely (`content-disposition:form-data;name="x";filename=a.txt`,
 * no spaces, unquoted file names), so header parsing is lenient about spacing,
 * quoting and case, while the body framing is exact: content is everything
 * between the blank line after the headers and the CRLF before the next boundary.
 */

export interface UploadedFile {
  fileName: string;
  mimeType?: string;
  content: Buffer;
}

export interface MultipartPart {
  name: string;
  /** Present for file parts. */
  file?: UploadedFile;
  /** The part's content as UTF-8, for plain fields. */
  value: string;
}

export class MultipartError extends Error {}

export function boundaryOf(contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: MultipartPart[] = [];

  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new MultipartError('multipart body has no boundary');
  pos += delimiter.length;

  for (;;) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts; // closing `--boundary--`
    // Transport padding (spaces/tabs) may follow a boundary before its CRLF.
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) throw new MultipartError('malformed boundary line');
    pos += 2;

    let headerText = '';
    let contentStart: number;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) {
      contentStart = pos + 2; // a part without headers
    } else {
      const headerEnd = body.indexOf('\r\n\r\n', pos);
      if (headerEnd < 0) throw new MultipartError('unterminated part headers');
      headerText = body.subarray(pos, headerEnd).toString('utf8');
      contentStart = headerEnd + 4;
    }
    const contentEnd = body.indexOf(nextDelimiter, contentStart);
    if (contentEnd < 0) throw new MultipartError('unterminated part');
    parts.push(toPart(headerText, body.subarray(contentStart, contentEnd)));
    pos = contentEnd + nextDelimiter.length;
  }
}

function toPart(headerText: string, content: Buffer): MultipartPart {
  const headers = new Map<string, string>();
  for (const line of headerText.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition') ?? '';
  const name = dispositionParam(disposition, 'name');
  if (name === undefined) throw new MultipartError('part without a name');
  const fileName = dispositionParam(disposition, 'filename');
  const part: MultipartPart = { name, value: content.toString('utf8') };
  if (fileName !== undefined) {
    // Copy: the request buffer is otherwise kept alive by every stored file.
    part.file = { fileName, content: Buffer.from(content) };
    const mimeType = headers.get('content-type');
    if (mimeType) part.file.mimeType = mimeType;
  }
  return part;
}

function dispositionParam(disposition: string, key: string): string | undefined {
  // `(?:^|;)` keeps `name` from matching inside `filename`.
  const match = new RegExp(`(?:^|;)\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i').exec(disposition);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? '').trim();
}
