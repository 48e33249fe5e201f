/**
 * How a proxy check reads in the bot: one line per protocol on the card after
 * "Check" (under each login, when the card has several), and the failures in the notices sent when a delivered proxy fails
 * its check (to the customer, and to the operators).
 */
import { InlineKeyboard } from 'grammy';
import type { ProxyCheckFailure } from '../../services/outbox-events.js';
import type { CheckFailure, LoginCheck, ProtocolCheck, ProxyProtocol } from '../../services/proxy-checker.js';
import { proxyCallbacks } from '../callback-data.js';
import { code, escapeHtml } from '../html.js';
import type { Translate } from '../ui.js';

const PROTOCOL_NAME: Record<ProxyProtocol, string> = { http: 'HTTP', socks5: 'SOCKS5' };

function failureText(t: Translate, failure: CheckFailure, timeoutMs: number): string {
  return t(`proxy-check-failure-${failure}`, { seconds: Math.round(timeoutMs / 100) / 10 });
}

/** The lines a check adds to the proxy card. */
export function checkResultText(t: Translate, checks: readonly ProtocolCheck[], timeoutMs: number): string {
  return [t('proxy-check-title'), ...protocolLines(t, checks, timeoutMs)].join('\n');
}

/**
 * A card's check: one login reads as before; a card with logins added to it
 * (orders bought to add traffic) lists each login, then how it fared.
 */
export function cardCheckText(t: Translate, logins: readonly LoginCheck[], timeoutMs: number): string {
  if (logins.length <= 1) return checkResultText(t, logins[0]?.checks ?? [], timeoutMs);
  const lines = [t('proxy-check-title')];
  for (const login of logins) {
    lines.push(t(login.addedTraffic ? 'proxy-check-login-added' : 'proxy-check-login', { login: code(login.login) }));
    lines.push(...protocolLines(t, login.checks, timeoutMs));
  }
  return lines.join('\n');
}

function protocolLines(t: Translate, checks: readonly ProtocolCheck[], timeoutMs: number): string[] {
  const lines: string[] = [];
  for (const check of checks) {
    const protocol = PROTOCOL_NAME[check.protocol];
    if (!check.reachable) {
      lines.push(t('proxy-check-failed-line', { protocol, reason: failureText(t, check.failure, timeoutMs) }));
      continue;
    }
    lines.push(t('proxy-check-ok', { protocol, latency: check.latencyMs }));
    if (check.exitIp !== null) {
      lines.push(
        check.country !== null
          ? t('proxy-check-exit-country', { ip: code(check.exitIp), country: escapeHtml(check.country) })
          : t('proxy-check-exit', { ip: code(check.exitIp) }),
      );
    }
  }
  return lines;
}

function failureLines(t: Translate, failures: ProxyCheckFailure['failures'], timeoutMs: number): string {
  return failures
    .map((f) => t('proxy-check-failed-line', { protocol: PROTOCOL_NAME[f.protocol], reason: failureText(t, f.failure, timeoutMs) }))
    .join('\n');
}

/** The customer's notice: their new proxy did not pass its check, with a button to its card (to check again). */
export function checkFailedNotice(t: Translate, facts: ProxyCheckFailure, timeoutMs: number) {
  return {
    text: t('notice-proxy-check-failed', {
      product: escapeHtml(facts.product),
      host: code(facts.host),
      failures: failureLines(t, facts.failures, timeoutMs),
    }),
    reply_markup: new InlineKeyboard().text(t('notice-open-proxy'), proxyCallbacks.card.pack({ subscriptionId: facts.subscriptionId })),
    parse_mode: 'HTML' as const,
  };
}

/** The operators' alert: which order, provider and proxy, and how it failed. */
export function checkFailedAlertText(
  t: Translate,
  facts: ProxyCheckFailure & { orderId: string; provider: string },
  timeoutMs: number,
): string {
  return t('op-delivered-proxy-check-failed', {
    order: code(facts.orderId),
    provider: escapeHtml(facts.provider),
    product: escapeHtml(facts.product),
    host: code(facts.host),
    failures: failureLines(t, facts.failures, timeoutMs),
  });
}
