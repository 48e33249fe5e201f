/**
 * Telegram's HTML parse mode, strict where Telegram is strict: an unknown tag,
 * an unclosed tag or a mismatched end tag fails the whole request with
 * "can't parse entities", which is how an unescaped `<` in a user-provided
 * string breaks a real bot. Output is what Telegram stores: the plain text and
 * its entities, with offsets in UTF-16 code units (JavaScript string indices).
 */
import type { MessageEntity } from './types.js';

export class EntityParseError extends Error {}

export interface ParsedText {
  text: string;
  entities: MessageEntity[];
}

interface OpenTag {
  name: string;
  attributes: Map<string, string>;
  start: number;
}

const SIMPLE_ENTITY: Record<string, string> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  code: 'code',
  pre: 'pre',
};
const ALLOWED_TAGS = new Set([...Object.keys(SIMPLE_ENTITY), 'span', 'a', 'blockquote', 'tg-emoji']);
const NAMED_CHARACTERS: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

export function parseHtml(input: string): ParsedText {
  let text = '';
  const entities: MessageEntity[] = [];
  const stack: OpenTag[] = [];
  const byteOffset = (index: number) => Buffer.byteLength(input.slice(0, index), 'utf8');

  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch === '&') {
      const match = /^&(#\d{1,7}|#x[0-9a-f]{1,6}|lt|gt|amp|quot);/i.exec(input.slice(i, i + 12));
      const decoded = match ? decodeCharacter(match[1]!) : undefined;
      // Telegram keeps an `&` that does not start a known entity as plain text.
      if (match && decoded !== undefined) {
        text += decoded;
        i += match[0].length;
      } else {
        text += ch;
        i++;
      }
      continue;
    }
    if (ch !== '<') {
      text += ch;
      i++;
      continue;
    }

    const close = input.indexOf('>', i);
    if (input[i + 1] === '/') {
      if (close < 0) throw new EntityParseError(`Unclosed end tag at byte offset ${byteOffset(i)}`);
      const name = input
        .slice(i + 2, close)
        .trim()
        .toLowerCase();
      const open = stack.pop();
      if (!open) throw new EntityParseError(`Unexpected end tag at byte offset ${byteOffset(i)}`);
      if (open.name !== name) {
        throw new EntityParseError(`Unmatched end tag at byte offset ${byteOffset(i)}, expected "</${open.name}>", found "</${name}>"`);
      }
      closeEntity(open, text.length, entities, stack);
      i = close + 1;
      continue;
    }

    const nameMatch = /^<([a-zA-Z][a-zA-Z0-9-]*)/.exec(input.slice(i));
    const name = nameMatch?.[1]?.toLowerCase() ?? '';
    if (!ALLOWED_TAGS.has(name)) {
      throw new EntityParseError(`Unsupported start tag "${name}" at byte offset ${byteOffset(i)}`);
    }
    const parsed = parseAttributes(input, i + 1 + name.length);
    if (!parsed) throw new EntityParseError(`Unclosed start tag at byte offset ${byteOffset(i)}`);
    if (name === 'span' && parsed.attributes.get('class') !== 'tg-spoiler') {
      throw new EntityParseError('Tag "span" must have class "tg-spoiler"');
    }
    if (name === 'tg-emoji' && !parsed.attributes.get('emoji-id')) {
      throw new EntityParseError('Custom emoji entity must contain a valid custom emoji identifier');
    }
    stack.push({ name, attributes: parsed.attributes, start: text.length });
    i = parsed.end;
  }

  const unclosed = stack.pop();
  if (unclosed) throw new EntityParseError(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

/** Parses `attr="v" attr='v' attr=v attr` up to the closing `>`; returns the index after it. */
function parseAttributes(input: string, from: number): { attributes: Map<string, string>; end: number } | undefined {
  const attributes = new Map<string, string>();
  const pattern = /\s*(?:([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?|(\/?>))/y;
  pattern.lastIndex = from;
  for (;;) {
    const match = pattern.exec(input);
    if (!match) return undefined;
    if (match[5] !== undefined) return { attributes, end: pattern.lastIndex };
    const value = match[2] ?? match[3] ?? match[4] ?? '';
    attributes.set(match[1]!.toLowerCase(), decodeAttribute(value));
  }
}

function closeEntity(open: OpenTag, end: number, entities: MessageEntity[], stack: OpenTag[]): void {
  const length = end - open.start;
  if (length === 0) return; // Telegram drops empty entities
  const base = { offset: open.start, length };
  switch (open.name) {
    case 'a': {
      const url = open.attributes.get('href');
      if (url) entities.push({ type: 'text_link', ...base, url });
      return;
    }
    case 'span':
      entities.push({ type: 'spoiler', ...base });
      return;
    case 'blockquote':
      entities.push({ type: open.attributes.has('expandable') ? 'expandable_blockquote' : 'blockquote', ...base });
      return;
    case 'tg-emoji':
      entities.push({ type: 'custom_emoji', ...base, custom_emoji_id: open.attributes.get('emoji-id')! });
      return;
    case 'code': {
      // <pre><code class="language-x"> marks the language of the enclosing block.
      const language = /^language-(.+)$/.exec(open.attributes.get('class') ?? '')?.[1];
      const parent = stack[stack.length - 1];
      if (language && parent?.name === 'pre') parent.attributes.set('language', language);
      else entities.push({ type: 'code', ...base });
      return;
    }
    case 'pre': {
      const language = open.attributes.get('language');
      entities.push({ type: 'pre', ...base, ...(language ? { language } : {}) });
      return;
    }
    default:
      entities.push({ type: SIMPLE_ENTITY[open.name]!, ...base });
  }
}

function decodeCharacter(body: string): string | undefined {
  if (body[0] !== '#') return NAMED_CHARACTERS[body.toLowerCase()];
  const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

function decodeAttribute(value: string): string {
  return value.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|lt|gt|amp|quot);/gi, (all, body: string) => decodeCharacter(body) ?? all);
}

/**
 * MarkdownV2 and legacy Markdown are accepted but not validated: the text is
 * kept as sent and the plain view only drops backslash escapes and the
 * formatting markers, which is enough for "what does the user read" checks.
 */
export function plainFromMarkdown(input: string, mode: 'MarkdownV2' | 'Markdown'): string {
  if (mode === 'Markdown') return input.replace(/[*_`]/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === '\\' && i + 1 < input.length) {
      out += input[++i];
    } else if (!'*_~|`'.includes(ch)) {
      out += ch;
    }
  }
  return out.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
}
