/**
 * Every message the bot sends is Telegram HTML, so any text that came from a
 * user or an upstream (names, product labels, hosts, passwords) goes through
 * `escapeHtml` before it is put into a message.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"]/g, (c) => ENTITIES[c]!);
}

/** Text shown in a <code> block: escaped, so a password with `<` cannot break the markup. */
export function code(value: string | number): string {
  return `<code>${escapeHtml(value)}</code>`;
}
