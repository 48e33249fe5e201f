/**
 * What the outbox carries: one member per kind of event the shop records,
 * with the payload its producers write and its renderers read. Producers can
 * enqueue nothing else (`Outbox.enqueue` takes an `OutboxEntry`), and the
 * reading side gets the same union back from `readOutboxEvent`, so a field
 * renamed on one side fails to compile on the other instead of quietly
 * turning a message into the generic notice.
 *
 * Rows are stored as JSON text and outlive deploys, so reading checks each
 * payload against its kind's parser: a row this version cannot read (an old
 * shape, a kind since removed, a hand-edited payload) comes back as a problem
 * to log, never as a half-typed object.
 */
import { z } from 'zod';
import type { OrderFailureCode } from './orders.js';
import type { CheckFailure, ProxyProtocol } from './proxy-checker.js';
import type { CreditResult } from './topups.js';
import type { TopUpMethod } from './wallet.js';

/** Why an auto-renewal did not happen: no renewal terms or quote, too little money, or the upstream said no. */
/** Why auto-renew did not renew: no price or answer, too little money, the upstream said no, or the chosen term is no longer offered. */
export type AutoRenewFailure = 'unavailable' | 'insufficient_funds' | 'provider_refused' | 'term_unavailable';

/** Why a paid Stars invoice credited nothing (no such customer or top-up, a mismatch, already paid by another charge). */
export type StarsUnmatchedReason = Extract<CreditResult, { ok: false }>['reason'];

interface OrderRef {
  orderId: string;
}

/** A credited top-up, as both the customer's receipt and the operators' alert record it. */
export interface TopUpFacts {
  topUpId: string;
  method: TopUpMethod;
  amountCents: number;
  userId: number;
}

/** An upstream that cannot take orders (our balance there, our key), met by one order. */
export interface UpstreamTrouble {
  provider: string;
  orderId: string;
  priceCents: number;
}

/** Money an operator moved in or out of a customer's wallet by hand. */
export type WalletAdjustment = 'credit' | 'debit' | 'refund';

/** Events told to one customer, in their language. */
export type CustomerEvent =
  | { kind: 'order_delivered'; payload: OrderRef }
  | { kind: 'renewal_delivered'; payload: OrderRef }
  | { kind: 'order_failed'; payload: OrderRef & { code: OrderFailureCode } }
  | { kind: 'order_provisioning'; payload: OrderRef }
  | { kind: 'order_still_open'; payload: OrderRef }
  | { kind: 'order_settled_delivered'; payload: OrderRef }
  | { kind: 'topup_credited'; payload: TopUpFacts }
  | { kind: 'topup_rejected'; payload: { topUpId: string; amountCents: number; reason: string } }
  /** An operator credited, debited or refunded the customer; `reason` is the one given for the customer. */
  | { kind: 'wallet_adjusted'; payload: { change: WalletAdjustment; amountCents: number; reason: string; orderId: string | null } }
  | {
      kind: 'expiry_reminder';
      payload: { subscriptionId: string; expiresAt: number | null; host: string; product: string; autoRenew: boolean };
    }
  | {
      kind: 'auto_renewed';
      /** `term`: what it was renewed for (absent in notices recorded before terms were named). */
      payload: { subscriptionId: string; host: string; product: string; orderId: string; priceCents: number; term?: string };
    }
  | {
      kind: 'auto_renew_failed';
      payload: { subscriptionId: string; host: string; product: string; expiresAt: number | null; reason: AutoRenewFailure };
    }
  | { kind: 'broadcast'; payload: { broadcastId: string } }
  /** A traffic plan reached 80 % or 95 % used, or ran out (100), in the period `periodKey` (services/traffic.ts). */
  | { kind: 'traffic_warning'; payload: TrafficWarningFacts }
  | {
      kind: 'traffic_auto_topped_up';
      payload: { subscriptionId: string; host: string; product: string; orderId: string; priceCents: number; term: string };
    }
  | {
      kind: 'traffic_auto_topup_failed';
      payload: { subscriptionId: string; host: string; product: string; reason: TrafficTopupFailure; periodKey: string };
    }
  /** A proxy checked right after delivery (`CHECK_ON_DELIVERY`) answered over none of its protocols. */
  | { kind: 'proxy_check_failed'; payload: ProxyCheckFailure }
  /** Told to the referrer: a purchase of someone they invited earned them a reward (services/referrals.ts). */
  | { kind: 'referral_reward_credited'; payload: { orderId: string; rewardCents: number } }
  /**
   * Told to the referrer: that purchase was refunded, so the reward is taken
   * back in proportion — `reversedCents` from the wallet, `unrecoveredCents`
   * already spent and only recorded.
   */
  | { kind: 'referral_reward_reversed'; payload: { orderId: string; reversedCents: number; unrecoveredCents: number } };

/** Why an automatic traffic top-up did not happen: no price or answer, too little money, or the upstream said no. */
export type TrafficTopupFailure = 'unavailable' | 'insufficient_funds' | 'provider_refused';

export interface TrafficWarningFacts {
  subscriptionId: string;
  host: string;
  product: string;
  threshold: 80 | 95 | 100;
  usedGb: number;
  totalGb: number | null;
  periodKey: string;
}

/** A delivered proxy that failed its check: which, and how each protocol failed (never its credentials). */
export interface ProxyCheckFailure {
  subscriptionId: string;
  host: string;
  product: string;
  failures: Array<{ protocol: ProxyProtocol; failure: CheckFailure }>;
}

/** Alerts for the operators' group. */
export type OperatorEvent =
  | { kind: 'delivered_proxy_check_failed'; payload: ProxyCheckFailure & { orderId: string; provider: string; userId: number } }
  | { kind: 'topup_received'; payload: TopUpFacts }
  | { kind: 'manual_topup_requested'; payload: { topUpId: string; userId: number; amountCents: number; note: string } }
  | { kind: 'upstream_balance_low'; payload: UpstreamTrouble }
  | { kind: 'upstream_auth_failed'; payload: UpstreamTrouble }
  | { kind: 'order_needs_attention'; payload: { orderId: string; provider: string; userId: number; priceCents: number; why: string } }
  /** A backup that could not be made or failed its checks (services/backups.ts); `file` is the failed copy kept, if any. */
  | { kind: 'backup_failed'; payload: { file: string | null; problems: string[] } }
  | {
      kind: 'stars_payment_unmatched';
      payload: {
        telegramUserId: number;
        payload: string;
        currency: string;
        totalAmount: number;
        chargeId: string;
        reason: StarsUnmatchedReason;
      };
    }
  | { kind: 'broadcast_finished'; payload: { broadcastId: string } }
  | { kind: 'upstream_balance_below'; payload: UpstreamBalanceFacts }
  | { kind: 'upstream_balance_recovered'; payload: UpstreamBalanceFacts }
  | { kind: 'alerts_folded'; payload: FoldedAlerts }
  | { kind: 'referral_reward_unrecovered'; payload: ReferralRewardUnrecovered }
  | {
      kind: 'card_payment_unmatched';
      payload: {
        telegramUserId: number;
        payload: string;
        currency: string;
        totalAmount: number;
        chargeId: string;
        providerChargeId: string;
        reason: StarsUnmatchedReason;
      };
    };

/** Our balance at an upstream against the operators' threshold for it. */
export interface UpstreamBalanceFacts {
  provider: string;
  balanceCents: number;
  thresholdCents: number;
}

/** Alerts not sent one by one during a storm (services/operator-alerts.ts): how many of each kind, and in which minute. */
export interface FoldedAlerts {
  counts: Record<string, number>;
  /** Orders among them that need a person, so the summary can offer their buttons (the first few). */
  orderIds: string[];
  fromMs: number;
  toMs: number;
}

/** A refunded purchase's referral reward the referrer had already spent (services/referrals.ts). */
export interface ReferralRewardUnrecovered {
  orderId: string;
  referrerUserId: number;
  refereeUserId: number;
  rewardCents: number;
  reversedCents: number;
  unrecoveredCents: number;
}

export type OutboxEvent = CustomerEvent | OperatorEvent;
export type OutboxEventKind = OutboxEvent['kind'];

/** An event as it is enqueued: a customer's names the customer; a dedupe key records it at most once. */
export type OutboxEntry = (({ audience: 'user'; userId: number } & CustomerEvent) | ({ audience: 'operators' } & OperatorEvent)) & {
  dedupeKey?: string;
};

/** A parser for each kind's payload, typed by the union: the compiler keeps the two in step. */
type PayloadParsers<E extends OutboxEvent> = { [K in E['kind']]: z.ZodType<Extract<E, { kind: K }>['payload']> };

/** One of a string union's members. The record names them all, so the compiler keeps it complete. */
/**
 * An expiry in a stored payload: epoch ms, or ISO 8601 text in rows written
 * before times were stored as epoch ms (read back as ms).
 */
const storedExpiry = z
  .union([
    z.number().int(),
    z
      .string()
      .refine((text) => !Number.isNaN(Date.parse(text)))
      .transform((text) => Date.parse(text)),
  ])
  .nullable();

const oneOf = <T extends string>(members: Record<T, true>) =>
  z.custom<T>((value) => typeof value === 'string' && Object.hasOwn(members, value), { message: 'not one of the known values' });

const ORDER_FAILURE_CODES: Record<OrderFailureCode, true> = {
  insufficient_upstream_balance: true,
  out_of_stock: true,
  invalid_option: true,
  unauthorized: true,
  forbidden: true,
  rate_limited: true,
  not_found: true,
  busy: true,
  unsupported: true,
  rejected: true,
  provider_disabled: true,
  not_placed: true,
  interrupted: true,
  settled_failed: true,
};

const cents = z.number().int();
const orderRef = z.object({ orderId: z.string() });
const topUpFacts = z.object({
  topUpId: z.string(),
  method: oneOf<TopUpMethod>({ stars: true, cryptopay: true, manual: true, card: true }),
  amountCents: cents,
  userId: z.number().int(),
});
const upstreamTrouble = z.object({ provider: z.string(), orderId: z.string(), priceCents: cents });

const proxyCheckFailure = z.object({
  subscriptionId: z.string(),
  host: z.string(),
  product: z.string(),
  failures: z.array(
    z.object({
      protocol: oneOf<ProxyProtocol>({ http: true, socks5: true }),
      failure: oneOf<CheckFailure>({
        proxy_unreachable: true,
        auth_rejected: true,
        target_unreachable: true,
        timeout: true,
        bad_answer: true,
      }),
    }),
  ),
});

const customerPayloads: PayloadParsers<CustomerEvent> = {
  order_delivered: orderRef,
  renewal_delivered: orderRef,
  order_failed: orderRef.extend({ code: oneOf(ORDER_FAILURE_CODES) }),
  order_provisioning: orderRef,
  order_still_open: orderRef,
  order_settled_delivered: orderRef,
  topup_credited: topUpFacts,
  topup_rejected: z.object({ topUpId: z.string(), amountCents: cents, reason: z.string() }),
  wallet_adjusted: z.object({
    change: oneOf<WalletAdjustment>({ credit: true, debit: true, refund: true }),
    amountCents: cents,
    reason: z.string(),
    orderId: z.string().nullable(),
  }),
  expiry_reminder: z.object({
    subscriptionId: z.string(),
    expiresAt: storedExpiry,
    host: z.string(),
    product: z.string(),
    autoRenew: z.boolean(),
  }),
  auto_renewed: z.object({
    subscriptionId: z.string(),
    host: z.string(),
    product: z.string(),
    orderId: z.string(),
    priceCents: cents,
    term: z.string().optional(),
  }),
  auto_renew_failed: z.object({
    subscriptionId: z.string(),
    host: z.string(),
    product: z.string(),
    expiresAt: storedExpiry,
    reason: oneOf<AutoRenewFailure>({ unavailable: true, insufficient_funds: true, provider_refused: true, term_unavailable: true }),
  }),
  broadcast: z.object({ broadcastId: z.string() }),
  traffic_warning: z.object({
    subscriptionId: z.string(),
    host: z.string(),
    product: z.string(),
    threshold: z.union([z.literal(80), z.literal(95), z.literal(100)]),
    usedGb: z.number(),
    totalGb: z.number().nullable(),
    periodKey: z.string(),
  }),
  traffic_auto_topped_up: z.object({
    subscriptionId: z.string(),
    host: z.string(),
    product: z.string(),
    orderId: z.string(),
    priceCents: cents,
    term: z.string(),
  }),
  traffic_auto_topup_failed: z.object({
    subscriptionId: z.string(),
    host: z.string(),
    product: z.string(),
    reason: oneOf<TrafficTopupFailure>({ unavailable: true, insufficient_funds: true, provider_refused: true }),
    periodKey: z.string(),
  }),
  proxy_check_failed: proxyCheckFailure,
  referral_reward_credited: z.object({ orderId: z.string(), rewardCents: cents }),
  referral_reward_reversed: z.object({ orderId: z.string(), reversedCents: cents, unrecoveredCents: cents }),
};

const upstreamBalanceFacts = z.object({ provider: z.string(), balanceCents: cents, thresholdCents: cents });

const operatorPayloads: PayloadParsers<OperatorEvent> = {
  delivered_proxy_check_failed: proxyCheckFailure.extend({ orderId: z.string(), provider: z.string(), userId: z.number().int() }),
  topup_received: topUpFacts,
  manual_topup_requested: z.object({ topUpId: z.string(), userId: z.number().int(), amountCents: cents, note: z.string() }),
  upstream_balance_low: upstreamTrouble,
  upstream_auth_failed: upstreamTrouble,
  order_needs_attention: z.object({
    orderId: z.string(),
    provider: z.string(),
    userId: z.number().int(),
    priceCents: cents,
    why: z.string(),
  }),
  backup_failed: z.object({ file: z.string().nullable(), problems: z.array(z.string()) }),
  stars_payment_unmatched: z.object({
    telegramUserId: z.number().int(),
    payload: z.string(),
    currency: z.string(),
    totalAmount: z.number().int(),
    chargeId: z.string(),
    reason: oneOf<StarsUnmatchedReason>({ not_found: true, wrong_state: true, amount_mismatch: true, external_id_conflict: true }),
  }),
  broadcast_finished: z.object({ broadcastId: z.string() }),
  upstream_balance_below: upstreamBalanceFacts,
  upstream_balance_recovered: upstreamBalanceFacts,
  alerts_folded: z.object({
    counts: z.record(z.string(), z.number().int().min(1)),
    orderIds: z.array(z.string()),
    fromMs: z.number().int(),
    toMs: z.number().int(),
  }),
  card_payment_unmatched: z.object({
    telegramUserId: z.number().int(),
    payload: z.string(),
    currency: z.string(),
    totalAmount: z.number().int(),
    chargeId: z.string(),
    providerChargeId: z.string(),
    reason: oneOf<StarsUnmatchedReason>({ not_found: true, wrong_state: true, amount_mismatch: true, external_id_conflict: true }),
  }),
  referral_reward_unrecovered: z.object({
    orderId: z.string(),
    referrerUserId: z.number().int(),
    refereeUserId: z.number().int(),
    rewardCents: cents,
    reversedCents: cents,
    unrecoveredCents: cents,
  }),
};

/** Every kind the shop records, customers' and operators'. */
export const OUTBOX_EVENT_KINDS = [...Object.keys(customerPayloads), ...Object.keys(operatorPayloads)] as OutboxEventKind[];

export type ReadOutboxEvent =
  | { ok: true; audience: 'user'; event: CustomerEvent }
  | { ok: true; audience: 'operators'; event: OperatorEvent }
  /** Why the row is not an event this version knows; says where, never what the payload holds. */
  | { ok: false; problem: string };

/** A stored outbox row back as the event it records, or why it cannot be read. */
export function readOutboxEvent(row: { audience: 'user' | 'operators'; kind: string; payload: string }): ReadOutboxEvent {
  const parsers: Record<string, z.ZodType> = row.audience === 'operators' ? operatorPayloads : customerPayloads;
  const parser = Object.hasOwn(parsers, row.kind) ? parsers[row.kind] : undefined;
  if (!parser) return { ok: false, problem: `no ${row.audience === 'operators' ? 'operator' : 'customer'} event is called ${row.kind}` };
  let json: unknown;
  try {
    json = JSON.parse(row.payload);
  } catch {
    return { ok: false, problem: 'the payload is not JSON' };
  }
  const parsed = parser.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`);
    return { ok: false, problem: where.join('; ') };
  }
  // The parser was the one for this kind, so kind and payload belong together.
  return row.audience === 'operators'
    ? { ok: true, audience: 'operators', event: { kind: row.kind, payload: parsed.data } as OperatorEvent }
    : { ok: true, audience: 'user', event: { kind: row.kind, payload: parsed.data } as CustomerEvent };
}
