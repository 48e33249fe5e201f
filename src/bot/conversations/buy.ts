/**
 * The buy flow: provider → product → country → (target) → period or
 * traffic → quantity → summary with a locked price. Back and Cancel work at
 * every step.
 *
 * The target steps appear only for a product whose provider routes by geo
 * and session target (capability `targeting`, e.g. FlashProxy's username
 * parameters, openapi "Geo Targeting"): country → region or city → network
 * (ASN) → rotating or sticky with a lifetime, each with an "any" choice, from
 * the product's options (FlashProxy `GET /geo/catalog`). The choice is priced
 * with the quote and the delivered credentials are built for it
 * (services/purchase-targets.ts).
 *
 * State lives in the conversation (persisted in kv_store), so a restart
 * mid-flow continues from the same step.
 *
 * Catalog and price come in through `conversation.external` as plain data,
 * so replays never call an upstream twice. Confirm is not handled here: its
 * button carries the quote id and the flow hands the press on to the orders
 * feature, which runs the purchase as a detached task.
 */
import { countryText, termText } from '../labels.js';
import { InlineKeyboard } from 'grammy';
import type { CatalogProduct, ProxyTarget, TargetingCountry, TargetingOptions, TargetingPlace, TermOption } from '../../providers/types.js';
import type { TargetRequest } from '../../services/targeting.js';
import type { QuoteResult } from '../../services/orders.js';
import { buyCallbacks as buttons, orderCallbacks } from '../callback-data.js';
import type { BotEnv, FlowContext } from '../context.js';
import { money, rows } from '../format.js';
import { escapeHtml } from '../html.js';
import { mainMenuKeyboard } from '../keyboards/main-menu.js';
import { show } from '../ui.js';
import { priceText, reasonText, summaryText } from '../views/order.js';
import { forgetPromoCode, savedPromoCode } from '../features/promo.js';
import { quantityButtonLabel, termButtonLabel } from '../views/price-labels.js';
import type { FlowName } from './flows.js';
import { backAndCancel, nextAnswer, type Flow } from './steps.js';
import { productName } from '../product-names.js';
import { lifetimeText, targetPlaceText } from '../views/purchase-target.js';
import { trialButtons, type TrialButton } from '../views/trial.js';

export const BUY_FLOW = { id: 'buy', version: 4 } as const satisfies FlowName;

/** Where the flow starts other than at the provider list: a provider's trial (the main menu's trial button). */
export interface BuyPreset {
  trialProviderId: string;
}

export const COUNTRIES_PER_PAGE = 10;
/** Places per page of a target step: four rows of three fit a phone screen. */
export const TARGET_PLACES_PER_PAGE = 12;
const TARGET_PLACES_PER_ROW = 3;
const QUANTITY_PRESETS = [1, 2, 3, 5, 10, 20, 50, 100];

type TargetStep = 'targetCountry' | 'targetPlace' | 'targetCity' | 'targetAsn' | 'targetSession';
type Step = 'provider' | 'product' | 'country' | TargetStep | 'term' | 'quantity' | 'summary' | 'promo';

const TARGET_STEPS: readonly Step[] = ['targetCountry', 'targetPlace', 'targetCity', 'targetAsn', 'targetSession'];
const isTargetStep = (step: Step): step is TargetStep => TARGET_STEPS.includes(step);

/** The target chosen so far, as places in the option lists; absent: any. */
interface TargetChoice {
  country?: number;
  region?: number;
  /** In the region's cities when a region is chosen, else in the country's. */
  city?: number;
  asn?: number;
  /** Absent: rotating. */
  lifetime?: number;
}

/** A country's regions, then the cities it targets without a region: one list, paged. */
type Place = { kind: 'region'; index: number; place: TargetingPlace } | { kind: 'city'; index: number; place: TargetingPlace };

function placesOf(country: TargetingCountry): Place[] {
  return [
    ...country.regions.map((place, index): Place => ({ kind: 'region', index, place })),
    ...country.cities.map((place, index): Place => ({ kind: 'city', index, place })),
  ];
}

/** The choice as the target it names (codes only), for the step titles. */
function chosenTarget(options: TargetingOptions, choice: TargetChoice): Omit<ProxyTarget, 'session'> {
  const country = choice.country === undefined ? undefined : options.countries[choice.country];
  if (!country) return {};
  const region = choice.region === undefined ? undefined : country.regions[choice.region];
  const city = choice.city === undefined ? undefined : (region ? region.cities : country.cities)[choice.city];
  const asn = choice.asn === undefined ? undefined : country.asns[choice.asn];
  return {
    countryCode: country.code,
    ...(region ? { regionCode: region.code } : {}),
    ...(city ? { cityCode: city.code } : {}),
    ...(asn === undefined ? {} : { asn }),
  };
}

/** The choice as a request the targeting service checks again; undefined for "any country, rotating" (no target at all). */
function targetRequestOf(options: TargetingOptions, choice: TargetChoice): TargetRequest | undefined {
  const place = chosenTarget(options, choice);
  const lifetime = choice.lifetime === undefined ? undefined : options.stickyLifetimes[choice.lifetime];
  if (!place.countryCode && !lifetime) return undefined;
  return {
    ...(place.countryCode ? { country: place.countryCode } : {}),
    ...(place.regionCode ? { region: place.regionCode } : {}),
    ...(place.cityCode ? { city: place.cityCode } : {}),
    ...(place.asn === undefined ? {} : { asn: place.asn }),
    ...(lifetime ? { session: 'sticky' as const, lifetime: lifetime.id } : { session: 'rotating' as const }),
  };
}

interface ProviderView {
  id: string;
  name: string;
  available: boolean;
  products: CatalogProduct[];
}

interface BuyState {
  step: Step;
  providerId?: string;
  productIndex?: number;
  countryIndex?: number;
  termIndex?: number;
  quantity?: number;
  countryPage: number;
  /** The target so far; absent for a product that takes none. */
  target?: TargetChoice;
  /** The target steps shown, in order, the last one current: Back walks them back. */
  targetTrail: TargetStep[];
  targetPage: number;
  /** A promo code to price the summary with (typed on the summary or brought by a link). */
  promoCode?: string;
  /** The choice is the provider's trial: priced as the trial, no code, no target. */
  trial?: boolean;
}

/** Volume and period discounts to show on the buttons: percent off by quantity preset and by term index. */
interface TierHints {
  quantity: Record<number, number>;
  term: Record<number, number>;
}

export function createBuyFlow(env: BotEnv) {
  return async function buy(conversation: Flow, first: FlowContext, preset?: BuyPreset): Promise<void> {
    const userId = await conversation.external((outer) => outer.user.id);
    const providers = await conversation.external(() => loadProviders(env));
    const saved = await conversation.external(() => savedPromoCode(env.deps.storage, userId));
    const state: BuyState = { step: 'provider', countryPage: 0, targetTrail: [], targetPage: 0, ...(saved ? { promoCode: saved } : {}) };
    /** The chosen product's targeting options; undefined when it takes no target (no target steps). */
    let targetOptions: TargetingOptions | undefined;
    const catalogPrice = catalogPricing(env);
    let quote: QuoteResult | undefined;
    let ctx = first;
    let notice: string | undefined;

    const provider = () => providers.find((p) => p.id === state.providerId);
    const product = () => provider()?.products[state.productIndex ?? -1];
    const hasQuantityChoice = () => {
      const p = product();
      return p !== undefined && p.maxQuantity > p.minQuantity;
    };

    const beforeTargeting = (): Step => ((product()?.countries.length ?? 0) > 0 ? 'country' : 'product');

    const back = (): Step => {
      if (isTargetStep(state.step)) {
        state.targetTrail.pop();
        state.targetPage = 0;
        return state.targetTrail.at(-1) ?? beforeTargeting();
      }
      switch (state.step) {
        case 'product':
          return 'provider';
        case 'country':
          return 'product';
        case 'term':
          return state.targetTrail.at(-1) ?? beforeTargeting();
        case 'quantity':
          return 'term';
        case 'summary':
          return hasQuantityChoice() ? 'quantity' : 'term';
        case 'promo':
          return 'summary';
        default:
          return 'provider';
      }
    };

    const toSummary = async () => {
      const p = product()!;
      const country = state.countryIndex === undefined ? undefined : p.countries[state.countryIndex];
      const choice = {
        productId: p.id,
        ...(country ? { countryCode: country.code } : {}),
        termId: p.terms[state.termIndex ?? 0]!.id,
        quantity: state.quantity ?? p.minQuantity,
      };
      if (state.trial) {
        // A trial takes no code and no target: it is priced as the operator set it.
        quote = await conversation.external(() => priceTrial(env, userId, state.providerId!, choice));
        state.step = 'summary';
        return;
      }
      const target = targetOptions && state.target ? targetRequestOf(targetOptions, state.target) : undefined;
      quote = await conversation.external(() => priceChoice(env, userId, state.providerId!, choice, state.promoCode, target));
      if (!quote.ok && quote.reason === 'promo_refused' && state.promoCode) {
        // The code does not apply here: say so, forget it, and show the price without it.
        notice = ctx.t('promo-not-applied', { code: escapeHtml(state.promoCode), reason: escapeHtml(quote.message) });
        state.promoCode = undefined;
        await conversation.external(() => forgetPromoCode(env.deps.storage, userId));
        quote = await conversation.external(() => priceChoice(env, userId, state.providerId!, choice, undefined, target));
      }
      state.step = 'summary';
    };

    /** The provider's trial, preset: its product, country and term, one proxy, straight to the summary. */
    const startTrial = async (providerId: string) => {
      const offer = await conversation.external(() => env.services.trials?.offer(providerId) ?? null);
      const p = providers.find((v) => v.id === providerId && v.available);
      const productIndex = offer && p ? p.products.findIndex((v) => v.id === offer.productId && v.available) : -1;
      const chosen = p?.products[productIndex];
      const countryIndex = offer?.countryCode
        ? (chosen?.countries.findIndex((c) => c.code === offer.countryCode && c.available) ?? -1)
        : undefined;
      const termIndex = offer && chosen ? chosen.terms.findIndex((term) => term.id === offer.termId) : -1;
      if (!offer || !p || !chosen || countryIndex === -1 || termIndex < 0) {
        // The catalog does not sell the trial's choice now (sold out, gone, provider down).
        notice = ctx.t('trial-not-in-catalog');
        state.step = p ? 'product' : 'provider';
        if (p) state.providerId = providerId;
        return;
      }
      Object.assign(state, {
        providerId,
        productIndex,
        countryIndex,
        termIndex,
        quantity: 1,
        countryPage: 0,
        target: undefined,
        targetTrail: [],
        targetPage: 0,
        trial: true,
      } satisfies Partial<BuyState>);
      targetOptions = undefined;
      await toSummary();
    };

    // -- Targeting ---------------------------------------------------------
    const toTargetStep = (step: TargetStep) => {
      state.step = step;
      state.targetPage = 0;
      state.targetTrail.push(step);
    };
    const toSession = () => {
      if ((targetOptions?.stickyLifetimes.length ?? 0) > 0) toTargetStep('targetSession');
      else state.step = 'term';
    };
    const chosenCountry = () => (state.target?.country === undefined ? undefined : targetOptions?.countries[state.target.country]);
    const toNetwork = () => {
      if ((chosenCountry()?.asns.length ?? 0) > 0) toTargetStep('targetAsn');
      else toSession();
    };
    /** After the product (and its country, where it has them): the target steps, or the term. */
    const enterTargeting = async () => {
      const p = product()!;
      state.target = undefined;
      state.targetTrail = [];
      targetOptions = await conversation.external(() => loadTargetOptions(env, state.providerId!, p.id));
      if (!targetOptions) {
        state.step = 'term';
        return;
      }
      state.target = {};
      if (targetOptions.countries.length > 0) toTargetStep('targetCountry');
      else toSession();
    };
    const pickTarget = (index: number) => {
      const choice = state.target;
      if (!targetOptions || !choice) return;
      switch (state.step) {
        case 'targetCountry': {
          const country = targetOptions.countries[index];
          if (!country) return;
          state.target = { country: index };
          if (placesOf(country).length > 0) toTargetStep('targetPlace');
          else toNetwork();
          return;
        }
        case 'targetPlace': {
          const place = chosenCountry() && placesOf(chosenCountry()!)[index];
          if (!place) return;
          state.target = { country: choice.country! };
          if (place.kind === 'city') {
            state.target.city = place.index;
            return toNetwork();
          }
          state.target.region = place.index;
          if (chosenCountry()!.regions[place.index]!.cities.length > 0) toTargetStep('targetCity');
          else toNetwork();
          return;
        }
        case 'targetCity': {
          const region = choice.region === undefined ? undefined : chosenCountry()?.regions[choice.region];
          if (!region?.cities[index]) return;
          state.target = { country: choice.country!, region: choice.region!, city: index };
          return toNetwork();
        }
        case 'targetAsn': {
          if (chosenCountry()?.asns[index] === undefined) return;
          state.target = { ...choice, asn: index };
          delete state.target.lifetime;
          return toSession();
        }
        default:
          return;
      }
    };
    /** "Any country", "whole country", "whole region", "any network". */
    const anyTarget = () => {
      const choice = state.target;
      if (!targetOptions || !choice) return;
      switch (state.step) {
        case 'targetCountry':
          state.target = {};
          return toSession();
        case 'targetPlace':
          state.target = { country: choice.country! };
          return toNetwork();
        case 'targetCity':
          state.target = { country: choice.country!, region: choice.region! };
          return toNetwork();
        case 'targetAsn': {
          state.target = { ...choice };
          delete state.target.asn;
          delete state.target.lifetime;
          return toSession();
        }
        default:
          return;
      }
    };

    const afterTerm = async () => {
      const p = product()!;
      if (hasQuantityChoice()) {
        state.step = 'quantity';
      } else {
        state.quantity = p.minQuantity;
        await toSummary();
      }
    };

    if (preset?.trialProviderId) await startTrial(preset.trialProviderId);

    for (;;) {
      const hints = await conversation.external(() => tierHints(env, state, providers));
      // The provider's trial on its product list, while the customer may still take it (views/trial.ts).
      const trialHere =
        state.step === 'product' && state.providerId
          ? await conversation.external(() => trialButtons(env, ctx.t, userId, state.providerId)[0] ?? null)
          : null;
      await render(ctx, state, providers, quote, catalogPrice, notice, hints, targetOptions, trialHere);
      notice = undefined;
      const answer = await nextAnswer(conversation, buttons.namespace);
      ctx = answer.ctx;

      if (answer.data === undefined && state.step === 'promo') {
        const typed = answer.text.trim();
        if (!/^[A-Za-z0-9_-]{3,32}$/.test(typed)) {
          notice = ctx.t('promo-refused', { reason: ctx.t('promo-refusal-unknown-code') });
          continue;
        }
        state.promoCode = typed;
        await toSummary();
        continue;
      }
      if (answer.data === undefined) {
        if (state.step !== 'quantity') {
          notice = ctx.t('use-buttons');
          continue;
        }
        const p = product()!;
        const quantity = /^\s*\d{1,6}\s*$/.test(answer.text) ? Number(answer.text) : NaN;
        if (!Number.isSafeInteger(quantity) || quantity < p.minQuantity || quantity > p.maxQuantity) {
          notice = ctx.t('buy-quantity-invalid', { input: escapeHtml(answer.text.slice(0, 30)), min: p.minQuantity, max: p.maxQuantity });
          continue;
        }
        state.quantity = quantity;
        await toSummary();
        continue;
      }

      const { data } = answer;
      if (buttons.cancel.parse(data)) {
        await show(ctx, ctx.t('buy-cancelled'), mainMenuKeyboard(ctx.t));
        return;
      }
      if (buttons.back.parse(data)) {
        if (state.trial && state.step === 'summary') {
          // Back from the trial's summary: its provider's products, as if it had been chosen there.
          state.trial = false;
          state.step = 'product';
          continue;
        }
        state.step = back();
        continue;
      }
      if (buttons.trial.parse(data)) {
        if (state.step !== 'product' || !state.providerId) continue;
        const providerId = state.providerId;
        const trial = await conversation.external(() => trialButtons(env, ctx.t, userId, providerId)[0] ?? null);
        if (!trial) notice = ctx.t('trial-gone');
        else if (trial.blockedBy === 'top_up_first') notice = ctx.t('trial-top-up-first');
        else await startTrial(providerId);
        continue;
      }
      if (buttons.promo.parse(data)) {
        if (state.step === 'summary' && !state.trial) state.step = 'promo';
        continue;
      }
      if (buttons.unavailable.parse(data)) {
        notice = ctx.t('buy-unavailable-note');
        continue;
      }
      const providerId = buttons.provider.parse(data)?.providerId;
      if (providerId !== undefined) {
        if (providers.some((p) => p.id === providerId && p.available)) {
          state.providerId = providerId;
          state.step = 'product';
        }
        continue;
      }
      const productIndex = buttons.product.parse(data)?.index;
      if (productIndex !== undefined) {
        const chosen = provider()?.products[productIndex];
        if (!chosen?.available) continue;
        state.trial = false;
        state.productIndex = productIndex;
        state.countryIndex = undefined;
        state.countryPage = 0;
        state.termIndex = undefined;
        state.quantity = undefined;
        state.target = undefined;
        state.targetTrail = [];
        targetOptions = undefined;
        if (chosen.countries.length > 0) state.step = 'country';
        else await enterTargeting();
        continue;
      }
      const countryPage = buttons.countryPage.parse(data)?.page;
      if (countryPage !== undefined) {
        state.countryPage = countryPage;
        continue;
      }
      const countryIndex = buttons.country.parse(data)?.index;
      if (countryIndex !== undefined) {
        if (product()?.countries[countryIndex]?.available) {
          state.countryIndex = countryIndex;
          await enterTargeting();
        }
        continue;
      }
      const targetIndex = buttons.targetPick.parse(data)?.index;
      if (targetIndex !== undefined) {
        pickTarget(targetIndex);
        continue;
      }
      const targetPage = buttons.targetPage.parse(data)?.page;
      if (targetPage !== undefined) {
        if (isTargetStep(state.step)) state.targetPage = targetPage;
        continue;
      }
      if (buttons.targetAny.parse(data)) {
        anyTarget();
        continue;
      }
      const lifetime = buttons.targetSession.parse(data)?.lifetime;
      if (lifetime !== undefined) {
        if (state.step !== 'targetSession' || !state.target || !targetOptions) continue;
        if (lifetime === 0) delete state.target.lifetime;
        else if (targetOptions.stickyLifetimes[lifetime - 1]) state.target.lifetime = lifetime - 1;
        else continue;
        state.step = 'term';
        continue;
      }
      const termIndex = buttons.term.parse(data)?.index;
      if (termIndex !== undefined) {
        const p = product();
        const term = p?.terms[termIndex];
        const country = state.countryIndex === undefined ? undefined : p?.countries[state.countryIndex]?.code;
        if (term && termOffered(term, country)) {
          state.termIndex = termIndex;
          await afterTerm();
        }
        continue;
      }
      const quantity = buttons.quantity.parse(data)?.quantity;
      if (quantity !== undefined) {
        const p = product();
        if (p && quantity >= p.minQuantity && quantity <= p.maxQuantity) {
          state.quantity = quantity;
          await toSummary();
        }
      }
    }
  };
}

/** The catalog as plain data; a provider that fails is listed as unavailable. */
async function loadProviders(env: BotEnv): Promise<ProviderView[]> {
  try {
    const entries = await env.services.catalog.listProviders();
    return entries.map((e) => ({ id: e.id, name: e.name, available: e.status.state === 'ok', products: e.products }));
  } catch (error) {
    env.logger.error('catalog failed', { error });
    return [];
  }
}

/** Percent off each quantity preset and term of the chosen product, from the volume and period tiers. */
function tierHints(env: BotEnv, state: BuyState, providers: ProviderView[]): TierHints {
  const hints: TierHints = { quantity: {}, term: {} };
  const promos = env.services.promos;
  const product = providers.find((p) => p.id === state.providerId)?.products[state.productIndex ?? -1];
  if (!promos || !product || (state.step !== 'term' && state.step !== 'quantity')) return hints;
  product.terms.forEach((term, i) => {
    const percent = promos.tierPercent(state.providerId!, product.id, product.minQuantity, term.days);
    if (percent > 0) hints.term[i] = percent;
  });
  const days = product.terms[state.termIndex ?? 0]?.days;
  for (const n of QUANTITY_PRESETS) {
    const percent = promos.tierPercent(state.providerId!, product.id, n, days);
    if (percent > 0) hints.quantity[n] = percent;
  }
  return hints;
}

/** The product's targeting options as plain data, or undefined when it takes no target or they cannot be read now. */
async function loadTargetOptions(env: BotEnv, providerId: string, productId: string): Promise<TargetingOptions | undefined> {
  const targets = env.services.purchaseTargets;
  if (!targets?.supports(providerId, productId)) return undefined;
  try {
    const options = await targets.options(providerId, productId);
    // The provider did not answer: the proxy is sold untargeted, and the card's builder targets it later.
    if (!options.ok) return undefined;
    return options.value;
  } catch (error) {
    env.logger.warn('targeting options failed', { providerId, productId, error });
    return undefined;
  }
}

async function priceTrial(
  env: BotEnv,
  userId: number,
  providerId: string,
  choice: Parameters<BotEnv['services']['orders']['quote']>[2],
): Promise<QuoteResult> {
  try {
    return await env.services.orders.quote(userId, providerId, choice, { trial: true });
  } catch (error) {
    env.logger.error('trial quote failed', { providerId, error });
    return { ok: false as const, reason: 'provider_unavailable' as const, message: 'quote failed' };
  }
}

async function priceChoice(
  env: BotEnv,
  userId: number,
  providerId: string,
  choice: Parameters<BotEnv['services']['orders']['quote']>[2],
  promoCode?: string,
  targetRequest?: TargetRequest,
): Promise<QuoteResult> {
  try {
    let target: ProxyTarget | undefined;
    if (targetRequest && env.services.purchaseTargets) {
      // Checked again against the options (and a sticky session id made) where the quote is made.
      const resolved = await env.services.purchaseTargets.resolve(providerId, choice.productId, targetRequest);
      if (!resolved.ok) {
        const reason =
          resolved.reason === 'invalid_target' ? 'invalid_option' : resolved.reason === 'not_found' ? 'unsupported' : resolved.reason;
        return { ok: false, reason, message: resolved.message };
      }
      target = resolved.value;
    }
    return await env.services.orders.quote(userId, providerId, choice, {
      ...(promoCode === undefined ? {} : { promoCode }),
      ...(target ? { target } : {}),
    });
  } catch (error) {
    env.logger.error('quote failed', { providerId, error });
    return { ok: false as const, reason: 'provider_unavailable' as const, message: 'quote failed' };
  }
}

/** Whether the chosen country offers a term: a term the catalog cannot quote there is never shown. */
function termOffered(term: TermOption, countryCode: string | undefined): boolean {
  return !term.countryCodes || (countryCode !== undefined && term.countryCodes.includes(countryCode));
}

/**
 * Today's retail price of `quantity` of a term, from the catalog's upstream
 * cost and the markup rules; undefined when the catalog does not tell the cost.
 */
type CatalogPrice = (providerId: string, product: CatalogProduct, term: TermOption, quantity: number) => number | undefined;

function catalogPricing(env: BotEnv): CatalogPrice {
  return (providerId, product, term, quantity) => {
    if (term.unitCostCents === undefined || !env.services.pricing) return undefined;
    const price = env.services.pricing.price(providerId, product.id, term.unitCostCents * quantity, quantity);
    return price.ok ? price.priceCents : undefined;
  };
}

async function render(
  ctx: FlowContext,
  state: BuyState,
  providers: ProviderView[],
  quote: QuoteResult | undefined,
  catalogPrice: CatalogPrice,
  notice: string | undefined,
  hints: TierHints,
  targetOptions: TargetingOptions | undefined,
  trialHere: TrialButton | null,
) {
  const t = ctx.t;
  const withTier = (label: string, percent: number | undefined) => (percent ? t('buy-tier-label', { label, percent }) : label);
  const nav = (keyboard: InlineKeyboard, withBack = true) =>
    backAndCancel(t, keyboard, { ...(withBack ? { back: buttons.back.pack() } : {}), cancel: buttons.cancel.pack() });
  const withNotice = (text: string) => (notice ? `${notice}\n\n${text}` : text);
  const provider = providers.find((p) => p.id === state.providerId);
  const product = provider?.products[state.productIndex ?? -1];

  switch (state.step) {
    case 'provider': {
      if (providers.length === 0) return show(ctx, withNotice(t('buy-no-providers')), nav(new InlineKeyboard(), false));
      const keyboard = new InlineKeyboard();
      for (const p of providers) {
        if (p.available) keyboard.text(p.name, buttons.provider.pack({ providerId: p.id })).row();
        else keyboard.text(t('buy-provider-unavailable', { name: p.name }), buttons.unavailable.pack({ item: p.id })).row();
      }
      return show(ctx, withNotice(t('buy-choose-provider')), nav(keyboard, false));
    }
    case 'product': {
      const keyboard = new InlineKeyboard();
      if (trialHere) keyboard.text(trialHere.label, buttons.trial.pack()).row();
      provider!.products.forEach((p, i) => {
        if (p.available) keyboard.text(productName(t, p.name), buttons.product.pack({ index: i })).row();
        else keyboard.text(t('buy-sold-out', { name: productName(t, p.name) }), buttons.unavailable.pack({ item: String(i) })).row();
      });
      return show(ctx, withNotice(t('buy-choose-product', { provider: escapeHtml(provider!.name) })), nav(keyboard));
    }
    case 'country': {
      const countries = product!.countries;
      const pages = Math.max(1, Math.ceil(countries.length / COUNTRIES_PER_PAGE));
      const page = Math.min(state.countryPage, pages - 1);
      const keyboard = new InlineKeyboard();
      const shown = countries.slice(page * COUNTRIES_PER_PAGE, (page + 1) * COUNTRIES_PER_PAGE);
      for (const row of rows(shown, 2)) {
        for (const c of row) {
          const i = countries.indexOf(c);
          if (c.available) keyboard.text(countryText(t, c), buttons.country.pack({ index: i }));
          else keyboard.text(t('buy-sold-out', { name: countryText(t, c) }), buttons.unavailable.pack({ item: String(i) }));
        }
        keyboard.row();
      }
      if (pages > 1) {
        if (page > 0) keyboard.text(t('btn-prev-page'), buttons.countryPage.pack({ page: page - 1 }));
        if (page < pages - 1) keyboard.text(t('btn-next-page'), buttons.countryPage.pack({ page: page + 1 }));
      }
      const title = t('buy-choose-country', { product: escapeHtml(product!.name) });
      const pageLine = pages > 1 ? `\n${t('page-of', { page: page + 1, pages })}` : '';
      return show(ctx, withNotice(title + pageLine), nav(keyboard));
    }
    case 'targetCountry':
    case 'targetPlace':
    case 'targetCity':
    case 'targetAsn':
    case 'targetSession': {
      const options = targetOptions;
      const choice = state.target;
      if (!options || !choice) return show(ctx, withNotice(t('use-buttons')), nav(new InlineKeyboard()));
      const sofar = targetPlaceText(t, chosenTarget(options, choice));
      const country = choice.country === undefined ? undefined : options.countries[choice.country];
      if (state.step === 'targetSession') {
        const keyboard = new InlineKeyboard().text(lifetimeText(t, undefined), buttons.targetSession.pack({ lifetime: 0 })).row();
        options.stickyLifetimes.forEach((lifetime, i) => {
          keyboard.text(lifetimeText(t, lifetime), buttons.targetSession.pack({ lifetime: i + 1 })).row();
        });
        return show(ctx, withNotice(`${t('buy-target-choose-session', { target: sofar })}\n${t('buy-target-note')}`), nav(keyboard));
      }
      let labels: string[];
      let anyLabel: string;
      let title: string;
      switch (state.step) {
        case 'targetCountry':
          labels = options.countries.map((c) => countryText(t, c));
          anyLabel = t('targeting-any-country');
          title = t('buy-target-choose-country', { product: escapeHtml(productName(t, product!.name)) });
          break;
        case 'targetPlace':
          labels = country ? placesOf(country).map((p) => p.place.name) : [];
          anyLabel = t('targeting-whole-country');
          title = t('buy-target-choose-place', { target: sofar });
          break;
        case 'targetCity': {
          const region = choice.region === undefined ? undefined : country?.regions[choice.region];
          labels = region ? region.cities.map((c) => c.name) : [];
          anyLabel = t('targeting-whole-region');
          title = t('buy-target-choose-city', { target: sofar });
          break;
        }
        default:
          labels = country ? country.asns.map((asn) => `AS${asn}`) : [];
          anyLabel = t('targeting-any-network');
          title = t('buy-target-choose-network', { target: sofar });
      }
      const pages = Math.max(1, Math.ceil(labels.length / TARGET_PLACES_PER_PAGE));
      const page = Math.min(state.targetPage, pages - 1);
      const first = page * TARGET_PLACES_PER_PAGE;
      const keyboard = new InlineKeyboard();
      for (const row of rows(
        labels.slice(first, first + TARGET_PLACES_PER_PAGE).map((label, i) => ({ label, index: first + i })),
        TARGET_PLACES_PER_ROW,
      )) {
        for (const { label, index } of row) keyboard.text(label, buttons.targetPick.pack({ index }));
        keyboard.row();
      }
      if (pages > 1) {
        if (page > 0) keyboard.text(t('btn-prev-page'), buttons.targetPage.pack({ page: page - 1 }));
        if (page < pages - 1) keyboard.text(t('btn-next-page'), buttons.targetPage.pack({ page: page + 1 }));
        keyboard.row();
      }
      keyboard.text(anyLabel, buttons.targetAny.pack()).row();
      const pageLine = pages > 1 ? `\n${t('page-of', { page: page + 1, pages })}` : '';
      return show(ctx, withNotice(title + pageLine), nav(keyboard));
    }
    case 'term': {
      const keyboard = new InlineKeyboard();
      const country = state.countryIndex === undefined ? undefined : product!.countries[state.countryIndex]?.code;
      for (const row of rows(
        product!.terms.map((term, i) => ({ term, i })).filter(({ term }) => termOffered(term, country)),
        2,
      )) {
        for (const { term, i } of row) {
          const price = catalogPrice(provider!.id, product!, term, product!.minQuantity);
          keyboard.text(withTier(termButtonLabel(termText(t, term), price), hints.term[i]), buttons.term.pack({ index: i }));
        }
        keyboard.row();
      }
      const key = product!.billing === 'traffic' ? 'buy-choose-traffic' : 'buy-choose-period';
      return show(ctx, withNotice(t(key, { product: escapeHtml(product!.name) })), nav(keyboard));
    }
    case 'quantity': {
      const { minQuantity: min, maxQuantity: max } = product!;
      const presets = QUANTITY_PRESETS.filter((n) => n >= min && n <= max);
      if (presets.length === 0) presets.push(min);
      const keyboard = new InlineKeyboard();
      const term = product!.terms[state.termIndex ?? 0]!;
      for (const row of rows(presets, 3)) {
        for (const n of row) {
          const price = catalogPrice(provider!.id, product!, term, n);
          keyboard.text(withTier(quantityButtonLabel(n, price), hints.quantity[n]), buttons.quantity.pack({ quantity: n }));
        }
        keyboard.row();
      }
      const text = t('buy-choose-quantity', { product: escapeHtml(product!.name), term: escapeHtml(termText(t, term)), min, max });
      return show(ctx, withNotice(text), nav(keyboard));
    }
    case 'summary': {
      if (!quote?.ok) {
        const text =
          state.trial && quote?.reason === 'promo_refused'
            ? t('trial-unavailable', { reason: escapeHtml(quote.message) })
            : t('buy-quote-failed', { reason: reasonText(t, quote?.reason) });
        return show(ctx, withNotice(text), nav(new InlineKeyboard()));
      }
      const keyboard = new InlineKeyboard()
        .text(t('btn-confirm', { price: priceText(t, quote.quote.priceCents) }), orderCallbacks.confirm.pack({ quoteId: quote.quote.id }))
        .row();
      // A trial takes no code: its price is the operator's.
      if (!state.trial) keyboard.text(t('btn-promo-code'), buttons.promo.pack());
      return show(ctx, withNotice(summaryText(t, quote.quote, state.trial ? t('trial-title') : undefined)), nav(keyboard));
    }
    case 'promo':
      return show(ctx, withNotice(t('promo-ask')), nav(new InlineKeyboard()));
  }
}
