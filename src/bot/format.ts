/** Display helpers shared by the bot's screens. */
import { formatCents } from '../domain/money.js';

export const money = (cents: number) => formatCents(cents);

/** 2025-03-01 (UTC): unambiguous in every language. */
export function isoDate(at: number | string): string {
  const time = typeof at === 'number' ? at : Date.parse(at);
  return Number.isFinite(time) ? new Date(time).toISOString().slice(0, 10) : '—';
}

/** 2025-03-01 14:05 UTC */
export function isoDateTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Whole days from `now` until `at` (both epoch ms), rounded up; negative when it has passed. */
export function daysUntil(at: number, now: number): number {
  return Math.ceil((at - now) / 86_400_000);
}

/** Chunks a list into keyboard rows. */
export function rows<T>(items: T[], perRow: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += perRow) out.push(items.slice(i, i + perRow));
  return out;
}
