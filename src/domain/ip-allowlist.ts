/**
 * The IP allowlist a customer edits: parsing what they typed, folding it the
 * way the upstream stores it, and checking it against the upstream's rules
 * before anything is sent — a bad entry changes nothing.
 */
import { isIP } from 'node:net';

/** Why one entry cannot go into the list. */
/** What an upstream accepts in a proxy's IP allowlist, as its document states it (providers name theirs). */
export interface IpAllowlistRules {
  maxEntries: number;
  /** Whether ranges like `203.0.113.0/24` are accepted, or single addresses only. */
  cidr: boolean;
}

export type AllowlistProblem =
  | { kind: 'malformed'; entry: string }
  | { kind: 'cidr_not_supported'; entry: string }
  | { kind: 'too_many'; max: number; count: number };

export type AllowlistCheck = { ok: true; ips: string[] } | { ok: false; problems: AllowlistProblem[] };

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * One address as the upstream keeps it: FlashProxy folds "IPv4-mapped IPv6
 * addresses (`::ffff:1.2.3.4`)" (openapi, PUT /plans/{planId}/allowed-ips),
 * so the shop folds them too and compares like with like. IPv6 is lowercased.
 */
export function canonicalIp(entry: string): string {
  const trimmed = entry.trim();
  const mapped = IPV4_MAPPED.exec(trimmed);
  if (mapped && isIP(mapped[1]!) === 4) return mapped[1]!;
  return isIP(trimmed) === 6 ? trimmed.toLowerCase() : trimmed;
}

/** Entries separated by spaces, commas, semicolons or new lines. */
export function splitEntries(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
}

function checkEntry(entry: string, rules: IpAllowlistRules): AllowlistProblem | undefined {
  const slash = entry.indexOf('/');
  if (slash !== -1) {
    const address = entry.slice(0, slash);
    const prefix = entry.slice(slash + 1);
    const family = isIP(address);
    const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
    const fits = family === 4 ? bits <= 32 : family === 6 ? bits <= 128 : false;
    if (!fits) return { kind: 'malformed', entry };
    return rules.cidr ? undefined : { kind: 'cidr_not_supported', entry };
  }
  return isIP(entry) === 0 ? { kind: 'malformed', entry } : undefined;
}

/**
 * The list that results from `current` plus `added` minus `removed`, folded
 * and without duplicates, or every problem with it. Removing an address that
 * is not listed is not a problem: the end state is what was asked for.
 */
export function editAllowlist(
  current: readonly string[],
  change: { add?: readonly string[]; remove?: readonly string[] },
  rules: IpAllowlistRules,
): AllowlistCheck {
  const problems: AllowlistProblem[] = [];
  const added: string[] = [];
  for (const raw of change.add ?? []) {
    const entry = canonicalIp(raw);
    const problem = checkEntry(entry, rules);
    if (problem) problems.push(problem);
    else added.push(entry);
  }
  const removed = new Set((change.remove ?? []).map(canonicalIp));
  const ips = [...new Set([...current.map(canonicalIp), ...added])].filter((ip) => !removed.has(ip));
  if (ips.length > rules.maxEntries) problems.push({ kind: 'too_many', max: rules.maxEntries, count: ips.length });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, ips };
}
