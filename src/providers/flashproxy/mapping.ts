/**
 * From FlashProxy plans to the shop's proxies.
 *
 * A gateway plan (residential, mobile, datacenter, shared ISP…) is one proxy
 * whose `upstreamId` is the plan id. A Dedicated ISP plan holds several static
 * IPs; each becomes its own proxy with `upstreamId` = `<planId>#<host>:<port>`.
 * Renew, credentials and usage act on the plan part of the id, so they affect
 * every IP of that plan (FlashProxy extends and re-passwords a plan as a whole).
 */
import type { UpstreamProxy } from '../types.js';
import { DEDICATED_WIRE_PRODUCT } from './products.js';
import type { WirePlan, WireProxyItem } from './schemas.js';

const DEDICATED_ID_SEPARATOR = '#';

export function dedicatedProxyId(planId: string, item: Pick<WireProxyItem, 'host' | 'port'>): string {
  return `${planId}${DEDICATED_ID_SEPARATOR}${item.host}:${item.port}`;
}

/** The FlashProxy plan id behind any of our upstream ids. */
export function planIdOf(upstreamId: string): string {
  const at = upstreamId.indexOf(DEDICATED_ID_SEPARATOR);
  return at === -1 ? upstreamId : upstreamId.slice(0, at);
}

/**
 * Whether a plan is Dedicated ISP. `product` is optional in the openapi's
 * Plan, so its billing type (`per_ip`) or its pool also tell.
 */
export function isDedicatedPlan(plan: Pick<WirePlan, 'product' | 'billing_type' | 'pool'>): boolean {
  if (plan.product === DEDICATED_WIRE_PRODUCT || plan.product === 'dedicated-isp') return true;
  if (plan.billing_type === 'per_ip') return true;
  return !plan.product && typeof plan.pool === 'string' && plan.pool.length > 0;
}

/**
 * FlashProxy knows more states than the shop; unknown ones are treated as "not
 * usable yet". `status` is optional in the openapi's Plan: a plan that does not
 * say is judged by its expiry (FlashProxy issues credentials only for a plan
 * it has made).
 */
export function planStatus(plan: Pick<WirePlan, 'status' | 'expires_at'>, now = Date.now()): UpstreamProxy['status'] {
  if (plan.status) return proxyStatus(plan.status);
  const expiry = plan.expires_at ? Date.parse(plan.expires_at) : Number.NaN;
  return !Number.isNaN(expiry) && expiry <= now ? 'expired' : 'active';
}

export function proxyStatus(status: string): UpstreamProxy['status'] {
  switch (status) {
    case 'active':
      return 'active';
    case 'expired':
    case 'inactive':
      return 'expired';
    case 'cancelled':
    case 'failed':
      return 'cancelled';
    default:
      return 'pending';
  }
}

/** The proxy of a gateway plan; none while FlashProxy has not issued credentials yet. */
export function gatewayProxy(plan: WirePlan): UpstreamProxy | undefined {
  const host = plan.connection?.hostname;
  if (!host || !plan.proxy_username || !plan.proxy_password) return undefined;
  return {
    upstreamId: plan.plan_id,
    host,
    ...optional('httpPort', plan.connection?.port_http),
    ...optional('socks5Port', plan.connection?.port_socks),
    login: plan.proxy_username,
    password: plan.proxy_password,
    ...optional('countryCode', plan.location),
    ...optional('expiresAt', isoTime(plan.expires_at)),
    status: planStatus(plan),
    ...optional('trafficLimitGb', plan.limits?.max_gb),
  };
}

/** One proxy per static IP of a Dedicated ISP plan. */
export function dedicatedProxies(
  plan: WirePlan,
  items: WireProxyItem[],
  expiresAt: string | null | undefined = plan.expires_at,
): UpstreamProxy[] {
  const countryCode = poolCountry(plan.pool);
  return items.map((item) => ({
    upstreamId: dedicatedProxyId(plan.plan_id, item),
    host: item.host,
    // FlashProxy gives one port per IP and does not say which protocols it speaks; HTTP is documented.
    httpPort: item.port,
    login: item.username,
    password: item.password,
    ...optional('countryCode', countryCode),
    ...optional('expiresAt', isoTime(expiresAt)),
    status: planStatus(plan),
  }));
}

/** `ISP_US_SNEAKERS` → `US` (pool names are `{TYPE}_{COUNTRY}_{USE_CASE}`). */
export function poolCountry(pool: string | null | undefined): string | undefined {
  const parts = pool?.split('_') ?? [];
  return parts.length >= 3 && /^[A-Z]{2}$/.test(parts[1]!) ? parts[1] : undefined;
}

/** What FlashProxy says a plan cost, in cents. */
export function planCostCents(plan: WirePlan): number | undefined {
  return plan.billing?.cost_cents ?? plan.purchase_price_cents ?? undefined;
}

function isoTime(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

function optional<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
