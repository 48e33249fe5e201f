/** How a traffic plan's usage reads on its card. */
import type { TrafficUsage } from '../../services/traffic.js';
import { isoDateTime } from '../format.js';
import type { Translate } from '../ui.js';

const roundGb = (gb: number) => Math.round(gb * 100) / 100;

/** "Traffic: 5 GB · used 4.1 GB (82 %) · 0.9 GB left", with only the parts the upstream told. */
export function trafficUsageLine(t: Translate, usage: TrafficUsage): string {
  const parts = [
    usage.totalGb === undefined
      ? t('traffic-card-used-only', { used: roundGb(usage.usedGb) })
      : t('traffic-card-total', { total: roundGb(usage.totalGb) }),
  ];
  if (usage.totalGb !== undefined) {
    parts.push(
      usage.usedPercent === undefined
        ? t('traffic-card-used', { used: roundGb(usage.usedGb) })
        : t('traffic-card-used-percent', { used: roundGb(usage.usedGb), percent: usage.usedPercent }),
    );
  }
  if (usage.remainingGb !== undefined) parts.push(t('traffic-card-left', { left: roundGb(usage.remainingGb) }));
  if (usage.exhausted) parts.push(t('traffic-card-exhausted'));
  if (usage.stale) parts.push(t('traffic-card-as-of', { at: isoDateTime(usage.fetchedAt) }));
  return parts.join(' · ');
}
