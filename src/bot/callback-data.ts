/**
 * Callback data: what an inline button sends back when it is pressed. Every
 * action is defined once here — a prefix and typed fields — and both sides
 * use that definition: the keyboard packs it (`pack`), the handler matches
 * it (`filter` for `callbackQuery`, `onCallback`, or `parse` inside a
 * conversation) and gets the fields back typed.
 *
 * The wire format is the one the bot used before these definitions existed
 * (`m:main`, `o:ok:<quote id>`, `top:stars:a:500`…), unchanged: customers and
 * operators keep old messages for ever, and their buttons still have to mean
 * the same thing after a deploy. A new action gets a new prefix; an action
 * whose fields change gets a new prefix too, never a new meaning for an old one.
 *
 * Fields follow the prefix, joined by ':', in the order they are declared.
 * Telegram refuses a button whose data is over 64 bytes, so `pack` checks it
 * (and that every field reads back), and the tests pack each action with its
 * longest values.
 */
import type { CallbackQueryContext, Composer, Context } from 'grammy';
import { ID_ALPHABET, ID_LENGTH } from '../domain/ids.js';
import { TOKEN_SCOPES } from '../services/tokens.js';
import { SUPPORTED_LANGUAGES } from '../services/users.js';

/** Telegram's limit on `callback_data`, in bytes. */
export const MAX_CALLBACK_BYTES = 64;
const SEPARATOR = ':';

export interface Field<T> {
  /** The field's text as a regular expression: no anchors, no capturing groups, no ':'. */
  readonly pattern: string;
  /** The value with the longest text, for the 64-byte check. */
  readonly longest: T;
  readonly optional: boolean;
  encode(value: T): string;
  decode(text: string): T;
}

type Fields = Record<string, Field<unknown>>;
/** An action that is its prefix alone. */
type NoFields = Record<never, Field<unknown>>;
type ValueOf<F> = F extends Field<infer T> ? T : never;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K]['optional'] extends true ? K : never }[keyof F];
/** The typed fields of an action: what `pack` takes and `parse` gives back. */
export type FieldValues<F extends Fields> = { [K in Exclude<keyof F, OptionalKeys<F>>]: ValueOf<F[K]> } & {
  [K in OptionalKeys<F>]?: ValueOf<F[K]>;
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An id made by `newId(prefix)` (domain/ids.ts): `ord_…`, `q_…`, `tu_…`. */
export function id(prefix: string): Field<string> {
  return {
    pattern: `${escapeRegExp(prefix)}_[${ID_ALPHABET}]+`,
    longest: `${prefix}_${ID_ALPHABET.at(-1)!.repeat(ID_LENGTH)}`,
    optional: false,
    encode: (value) => value,
    decode: (text) => text,
  };
}

/** A whole number from 0 with at most `maxDigits` digits: an index, a page, cents. */
export function int(maxDigits: number): Field<number> {
  return {
    pattern: `\\d{1,${maxDigits}}`,
    longest: Number('9'.repeat(maxDigits)),
    optional: false,
    encode: (value) => String(value),
    decode: (text) => Number(text),
  };
}

/** One of a fixed list of words; the field's type is their union. */
export function oneOf<const T extends string>(values: readonly T[]): Field<T> {
  return {
    pattern: `(?:${values.map(escapeRegExp).join('|')})`,
    longest: values.reduce((a, b) => (b.length > a.length ? b : a)),
    optional: false,
    encode: (value) => value,
    decode: (text) => text as T,
  };
}

/** Yes or no, sent as 1 or 0. */
export function flag(): Field<boolean> {
  return { pattern: '[01]', longest: true, optional: false, encode: (value) => (value ? '1' : '0'), decode: (text) => text === '1' };
}

/** A short lowercase name: a provider id, a top-up method id. */
export function slug(maxLength: number): Field<string> {
  return {
    pattern: `[a-z0-9_-]{1,${maxLength}}`,
    longest: 'a'.repeat(maxLength),
    optional: false,
    encode: (value) => value,
    decode: (text) => text,
  };
}

/** A field that may be left out; only the last fields of an action can be. */
export function optional<T>(field: Field<T>): Field<T> & { optional: true } {
  return { ...field, optional: true };
}

export interface CallbackAction<F extends Fields = Fields> {
  /** The prefix: the action's name on the wire. */
  readonly prefix: string;
  readonly fields: F;
  /** For `bot.callbackQuery(...)`: exactly this action, every field well formed. */
  readonly filter: RegExp;
  /** The callback data for a button; throws when a value would not read back or Telegram would refuse it. */
  pack(...values: Partial<FieldValues<F>> extends FieldValues<F> ? [values?: FieldValues<F>] : [values: FieldValues<F>]): string;
  /** The fields of `data` when it is this action's; undefined otherwise. */
  parse(data: string | undefined): FieldValues<F> | undefined;
}

/** One action: its prefix and its fields, in the order they go on the wire. */
export function defineCallback<F extends Fields = NoFields>(prefix: string, fields: F = {} as F): CallbackAction<F> {
  const entries = Object.entries(fields);
  const firstOptional = entries.findIndex(([, field]) => field.optional);
  if (firstOptional >= 0 && entries.slice(firstOptional).some(([, field]) => !field.optional)) {
    throw new Error(`callback ${prefix}: optional fields must come last`);
  }
  const source = entries
    .map(([, field]) => (field.optional ? `(?:${SEPARATOR}(${field.pattern}))?` : `${SEPARATOR}(${field.pattern})`))
    .join('');
  const filter = new RegExp(`^${escapeRegExp(prefix)}${source}$`);
  const fieldAlone = new Map(entries.map(([name, field]) => [name, new RegExp(`^(?:${field.pattern})$`)]));

  const fromMatch = (match: RegExpExecArray | RegExpMatchArray): FieldValues<F> => {
    const values: Record<string, unknown> = {};
    entries.forEach(([name, field], i) => {
      const text = match[i + 1];
      if (text !== undefined) values[name] = field.decode(text);
    });
    return values as FieldValues<F>;
  };

  const action: CallbackAction<F> & { fromMatch: typeof fromMatch } = {
    prefix,
    fields,
    filter,
    fromMatch,
    pack(...args) {
      const values = (args[0] ?? {}) as Record<string, unknown>;
      let data = prefix;
      for (const [name, field] of entries) {
        const value = values[name];
        if (value === undefined) {
          if (field.optional) break;
          throw new Error(`callback ${prefix}: ${name} is missing`);
        }
        const text = field.encode(value);
        if (!fieldAlone.get(name)!.test(text)) throw new Error(`callback ${prefix}: ${name} ${JSON.stringify(text)} would not read back`);
        data += SEPARATOR + text;
      }
      if (Buffer.byteLength(data) > MAX_CALLBACK_BYTES)
        throw new Error(`callback ${prefix}: ${data.length} bytes is over Telegram's ${MAX_CALLBACK_BYTES}`);
      return data;
    },
    parse(data) {
      const match = data === undefined ? null : filter.exec(data);
      return match ? fromMatch(match) : undefined;
    },
  };
  return action;
}

/**
 * Handles one action: the handler gets the fields the button was packed
 * with, typed. Only data that is this action's, well formed, reaches it.
 */
export function onCallback<C extends Context, F extends Fields>(
  composer: Composer<C>,
  action: CallbackAction<F>,
  handler: (ctx: CallbackQueryContext<C>, fields: FieldValues<F>) => unknown,
): void {
  const { fromMatch } = action as CallbackAction<F> & { fromMatch(match: RegExpMatchArray): FieldValues<F> };
  composer.callbackQuery(action.filter, async (ctx) => {
    await handler(ctx, fromMatch(ctx.match as RegExpMatchArray));
  });
}

/**
 * The actions of one screen or flow, under a common first word. A flow
 * keeps the presses in its namespace and leaves every other button to the
 * rest of the bot (`owns`).
 */
export interface CallbackNamespace {
  readonly name: string;
  /** Any data in this namespace, known action or not. */
  readonly filter: RegExp;
  owns(data: string | undefined): boolean;
  action<F extends Fields = NoFields>(word: string, fields?: F): CallbackAction<F>;
}

export function namespace(name: string): CallbackNamespace {
  const start = name + SEPARATOR;
  return {
    name,
    filter: new RegExp(`^${escapeRegExp(start)}`),
    owns: (data) => data?.startsWith(start) ?? false,
    action: (word, fields) => defineCallback(start + word, fields),
  };
}

// Ids and numbers in callbacks: how long they can get.
const INDEX = int(4);
const PAGE = int(6);
const CENTS = int(9);
/** Ledger sequence numbers: as many digits as a safe integer has. */
const SEQUENCE = int(15);
const FORMAT = int(1);
const PROVIDER_ID = slug(32);
/** Top-up method ids go into every prefix of their method (`top:<id>:…`), so they are kept short. */
const METHOD_ID_PATTERN = /^[a-z0-9_-]{1,16}$/;

const m = namespace('m');
/** The main menu's buttons, and the way back to it from everywhere. */
export const menuCallbacks = {
  namespace: m,
  main: m.action('main'),
  buy: m.action('buy'),
  proxies: m.action('px'),
  wallet: m.action('wallet'),
  tokens: m.action('tokens'),
  webhooks: m.action('webhooks'),
  language: m.action('lang'),
  help: m.action('help'),
  referrals: m.action('ref'),
  /** A provider's trial: straight into the buy flow at its summary. */
  trial: m.action('trial', { providerId: PROVIDER_ID }),
};

const l = namespace('l');
export const languageCallbacks = {
  namespace: l,
  // The language is the whole action: `l:en`, `l:ru`.
  choose: defineCallback('l', { language: oneOf(SUPPORTED_LANGUAGES) }),
};

const b = namespace('b');
/** The buy flow (conversations/buy.ts); Confirm is the orders feature's. */
export const buyCallbacks = {
  namespace: b,
  back: b.action('back'),
  cancel: b.action('cancel'),
  /** A provider, product or country that cannot be chosen now: the flow says why. */
  unavailable: b.action('x', { item: PROVIDER_ID }),
  provider: b.action('p', { providerId: PROVIDER_ID }),
  product: b.action('pr', { index: INDEX }),
  countryPage: b.action('cp', { page: PAGE }),
  country: b.action('c', { index: INDEX }),
  term: b.action('t', { index: INDEX }),
  quantity: b.action('q', { quantity: int(6) }),
  /** Enter a promo code on the summary. */
  promo: b.action('promo'),
  /** The chosen provider's trial, from its product list. */
  trial: b.action('trial'),
  /**
   * Targeting steps (country → region/city → network → session): a place of
   * the list the step shows, another page of it, or its "any" choice.
   */
  targetPick: b.action('tk', { index: INDEX }),
  targetPage: b.action('tg', { page: PAGE }),
  targetAny: b.action('ta'),
  /** The session: 0 rotating, else the 1-based sticky lifetime. */
  targetSession: b.action('ts', { lifetime: int(3) }),
};

const o = namespace('o');
/** A priced choice and a placed order (features/orders.ts). */
export const orderCallbacks = {
  namespace: o,
  confirm: o.action('ok', { quoteId: id('q') }),
  /** Back from a top-up to the order that was short of money. */
  resume: o.action('resume'),
  formats: o.action('fmt', { orderId: id('ord') }),
  inFormat: o.action('f', { orderId: id('ord'), format: FORMAT }),
};

const tc = namespace('tc');
/** The API token flow (conversations/create-token.ts). */
export const tokenFlowCallbacks = {
  namespace: tc,
  back: tc.action('back'),
  cancel: tc.action('cancel'),
  next: tc.action('next'),
  scope: tc.action('s', { scope: oneOf(TOKEN_SCOPES) }),
  /** "Require signed requests" on or off. */
  signing: tc.action('sig'),
  expiry: tc.action('e', { days: int(4) }),
};

const ta = namespace('ta');
/** "Other amount" (conversations/topup-amount.ts); its Back is the method's own button. */
export const topUpAmountFlowCallbacks = {
  namespace: ta,
  cancel: ta.action('cancel'),
};

const tm = namespace('tm');
/** The manual top-up flow (conversations/topup-manual.ts). */
export const manualTopUpFlowCallbacks = {
  namespace: tm,
  amount: tm.action('a', { cents: CENTS }),
  back: tm.action('back'),
  send: tm.action('send'),
  cancel: tm.action('cancel'),
};

const w = namespace('w');
export const walletCallbacks = {
  namespace: w,
  topUp: w.action('top'),
  /** The history, newest first, or the page before a ledger sequence number. */
  history: w.action('h', { before: optional(SEQUENCE) }),
};

const t = namespace('t');
export const tokenCallbacks = {
  namespace: t,
  create: t.action('new'),
  revoke: t.action('rv', { tokenId: id('tok') }),
  revokeConfirmed: t.action('rvy', { tokenId: id('tok') }),
};

const wh = namespace('wh');
const ENDPOINT = { endpointId: id('whe') };
/** Webhooks (features/webhooks.ts): per URL, a test event, its log, removal. */
export const webhookCallbacks = {
  namespace: wh,
  test: wh.action('t', ENDPOINT),
  log: wh.action('l', ENDPOINT),
  remove: wh.action('r', ENDPOINT),
  removeConfirmed: wh.action('ry', ENDPOINT),
};

const p = namespace('p');
const SUBSCRIPTION = { subscriptionId: id('px') };
/** My proxies (features/proxies.ts). */
export const proxyCallbacks = {
  namespace: p,
  list: p.action('l', { page: PAGE }),
  /** The list as a new message: pressed under a message that must stay in the chat (a delivery with credentials). */
  listAsNew: p.action('ln', { page: PAGE }),
  card: p.action('c', SUBSCRIPTION),
  credentials: p.action('cr', SUBSCRIPTION),
  credentialsIn: p.action('cf', { ...SUBSCRIPTION, format: FORMAT }),
  exportAll: p.action('all'),
  exportAllIn: p.action('af', { format: FORMAT }),
  autoRenew: p.action('ar', { ...SUBSCRIPTION, on: flag() }),
  /** Turns auto-renew on for one of the proxy's renewal terms (by its place in the list shown). */
  autoRenewTerm: p.action('at', { ...SUBSCRIPTION, index: INDEX }),
  renew: p.action('rn', SUBSCRIPTION),
  renewTerm: p.action('rt', { ...SUBSCRIPTION, index: INDEX }),
  changeCredentials: p.action('cc', SUBSCRIPTION),
  changeCredentialsConfirmed: p.action('ccy', SUBSCRIPTION),
  rotate: p.action('rot', SUBSCRIPTION),
  usage: p.action('use', SUBSCRIPTION),
  locations: p.action('loc', SUBSCRIPTION),
  location: p.action('ls', { ...SUBSCRIPTION, index: INDEX }),
  /** Auto top-up of traffic (features/traffic.ts): choose a package, then the used share that triggers it. */
  autoTopup: p.action('atu', SUBSCRIPTION),
  autoTopupTerm: p.action('atk', { ...SUBSCRIPTION, index: INDEX }),
  autoTopupSet: p.action('ats', { ...SUBSCRIPTION, index: INDEX, percent: int(2) }),
  autoTopupOff: p.action('atx', SUBSCRIPTION),
  /** Checks the proxy through itself (services/proxy-checker.ts). */
  check: p.action('chk', SUBSCRIPTION),
};

const TARGET_PLACE = int(3);
const pt = namespace('pt');
/**
 * The proxy card's connection-string builder (features/proxy-targeting.ts):
 * the choice so far as 1-based places in the option lists, 0 for none.
 */
export const targetingCallbacks = {
  namespace: pt,
  /** Countries, a page of them. */
  countries: pt.action('c', { ...SUBSCRIPTION, page: int(2) }),
  /** Countries in a new message: pressed under a delivery, whose credentials must stay in the chat. */
  openAsNew: pt.action('o', SUBSCRIPTION),
  /** Within a country: its regions and the cities it targets without one. */
  places: pt.action('p', { ...SUBSCRIPTION, country: TARGET_PLACE, page: int(2) }),
  /** Within a region: its cities. */
  cities: pt.action('r', { ...SUBSCRIPTION, country: TARGET_PLACE, region: TARGET_PLACE }),
  /** The network, where the country offers any. */
  networks: pt.action('n', { ...SUBSCRIPTION, country: TARGET_PLACE, region: TARGET_PLACE, city: TARGET_PLACE }),
  /** Rotating or sticky. */
  session: pt.action('s', { ...SUBSCRIPTION, country: TARGET_PLACE, region: TARGET_PLACE, city: TARGET_PLACE, asn: TARGET_PLACE }),
  /** The string; `lifetime` 0 is rotating. */
  build: pt.action('b', {
    ...SUBSCRIPTION,
    country: TARGET_PLACE,
    region: TARGET_PLACE,
    city: TARGET_PLACE,
    asn: TARGET_PLACE,
    lifetime: TARGET_PLACE,
  }),
};

/** Why an operator rejects a manual top-up with one press. */
export const QUICK_REJECT_REASONS = ['nr', 'ad'] as const;
export type QuickRejectReason = (typeof QUICK_REJECT_REASONS)[number];

const s = namespace('s');
/** Support (features/support.ts): write to the shop's team, or send what was just typed. */
export const supportCallbacks = {
  namespace: s,
  compose: s.action('new'),
  /** Sends the customer's own message (its id in their chat) to support, after they confirmed. */
  sendTyped: s.action('send', { messageId: int(10) }),
  cancel: s.action('x'),
};

const pa = namespace('pa');
/** The proxy card's access actions (features/proxy-access.ts): the IP allowlist and cancelling the plan. */
export const proxyAccessCallbacks = {
  namespace: pa,
  allowlist: pa.action('ips', SUBSCRIPTION),
  addIp: pa.action('add', SUBSCRIPTION),
  /** Removes the allowlist's entry at `index` as the list was shown. */
  removeIp: pa.action('rm', { ...SUBSCRIPTION, index: INDEX }),
  cancel: pa.action('x', SUBSCRIPTION),
  cancelConfirmed: pa.action('xy', SUBSCRIPTION),
};

const op = namespace('op');
const TOP_UP = { topUpId: id('tu') };
const ORDER = { orderId: id('ord') };
/** Buttons on the operators' alerts (features/operators.ts), answered only for admins in the operator group. */
export const operatorCallbacks = {
  namespace: op,
  manualConfirm: op.action('mc', TOP_UP),
  manualReject: op.action('mr', TOP_UP),
  manualRejectBack: op.action('mb', TOP_UP),
  manualRejectFor: op.action('mrr', { ...TOP_UP, reason: oneOf(QUICK_REJECT_REASONS) }),
  manualRejectOther: op.action('mro', TOP_UP),
  starsRefund: op.action('rf', TOP_UP),
  starsRefundBack: op.action('rfn', TOP_UP),
  starsRefundConfirmed: op.action('rfy', TOP_UP),
  orderCheck: op.action('oc', ORDER),
  orderFail: op.action('of', ORDER),
  orderFailConfirmed: op.action('ofy', ORDER),
  orderBack: op.action('ob', ORDER),
  orderDeliver: op.action('od', ORDER),
  orderDeliverConfirmed: op.action('ody', ORDER),
  /** /providers: take a provider off sale (`on` false) or put it back (features/operator-providers.ts). */
  providerSale: op.action('ps', { providerId: PROVIDER_ID, on: flag() }),
};

const oc = namespace('oc');
const CUSTOMER = { userId: int(12) };
/** The operators' console (features/operator-users.ts, operator-orders.ts): a customer's card and the order lists. */
export const operatorConsoleCallbacks = {
  namespace: oc,
  credit: oc.action('cr', CUSTOMER),
  debit: oc.action('db', CUSTOMER),
  refundChoices: oc.action('rf', CUSTOMER),
  ban: oc.action('bn', CUSTOMER),
  unban: oc.action('ub', CUSTOMER),
  revokeTokens: oc.action('rt', CUSTOMER),
  revokeTokensConfirmed: oc.action('rty', CUSTOMER),
  card: oc.action('c', CUSTOMER),
  /** The customer's audit entries, newest first, or those before an audit row id. */
  audit: oc.action('au', { ...CUSTOMER, before: optional(SEQUENCE) }),
  /** A page of `/orders`: open, failed, today, or `u<user id>`. */
  orders: oc.action('ol', { filter: slug(16), page: PAGE }),
  order: oc.action('o', ORDER),
  refundOrder: oc.action('or', ORDER),
  refundOrderConfirmed: oc.action('ory', ORDER),
};

/** The order an operator button is about, whichever button it is. */
export function orderIdOfOperatorCallback(data: string): string | undefined {
  for (const action of [
    operatorCallbacks.orderCheck,
    operatorCallbacks.orderFail,
    operatorCallbacks.orderFailConfirmed,
    operatorCallbacks.orderBack,
    operatorCallbacks.orderDeliver,
    operatorCallbacks.orderDeliverConfirmed,
  ]) {
    const fields = action.parse(data);
    if (fields) return fields.orderId;
  }
  return undefined;
}

/** Every top-up method's buttons start with `top:<method id>`. */
export const topUpNamespace = namespace('top');

/**
 * One top-up method's buttons: `top:<id>` opens it (the top-up screen's
 * button), then its amount picker and, for Crypto Pay, "check payment".
 */
export function topUpCallbacks(methodId: string) {
  if (!METHOD_ID_PATTERN.test(methodId)) throw new Error(`top-up method id ${JSON.stringify(methodId)} is not callback-safe`);
  const prefix = `${topUpNamespace.name}${SEPARATOR}${methodId}`;
  return {
    open: defineCallback(prefix),
    amount: defineCallback(`${prefix}${SEPARATOR}a`, { cents: CENTS }),
    otherAmount: defineCallback(`${prefix}${SEPARATOR}other`),
    check: defineCallback(`${prefix}${SEPARATOR}chk`, TOP_UP),
  };
}

/** The longest top-up method id a method may have; for the tests' 64-byte check. */
export const LONGEST_METHOD_ID = 'm'.repeat(16);

/** Every fixed group of actions, for the tests that hold them to the rules above. */
export const CALLBACK_GROUPS = {
  menuCallbacks,
  languageCallbacks,
  buyCallbacks,
  orderCallbacks,
  tokenFlowCallbacks,
  topUpAmountFlowCallbacks,
  manualTopUpFlowCallbacks,
  walletCallbacks,
  tokenCallbacks,
  webhookCallbacks,
  proxyCallbacks,
  operatorCallbacks,
  operatorConsoleCallbacks,
  supportCallbacks,
  targetingCallbacks,
  proxyAccessCallbacks,
};
