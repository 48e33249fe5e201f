/**
 * The buy flow: provider → product → country → period or traffic →
 * quantity → summary with a locked price. Back and Cancel work at every
 * step. State lives in the conversation (persisted in kv_store), so a
 * restart mid-flow continues from the same step.
 *
 * Catalog and price come in through `conversation.external` as plain data,
 * so replays never call an upstream twice. Confirm is not handled here: its
 * button carries the quote id and the flow hands the press on to the orders
 * feature, which runs the purchase as a detached task.
 */
import { countryText, termText } from '../labels.js';
import { InlineKeyboard } from 'grammy';
import type { CatalogProduct, TermOption } from '../../providers/types.js';
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

export const BUY_FLOW = { id: 'buy', version: 2 } as const satisfies FlowName;

export const COUNTRIES_PER_PAGE = 10;
const QUANTITY_PRESETS = [1, 2, 3, 5, 10, 20, 50, 100];

type Step = 'provider' | 'product' | 'country' | 'term' | 'quantity' | 'summary' | 'promo';

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
  /** A promo code to price the summary with (typed on the summary or brought by a link). */
  promoCode?: string;
}

/** Volume and period discounts to show on the buttons: percent off by quantity preset and by term index. */
interface TierHints {
  quantity: Record<number, number>;
  term: Record<number, number>;
}

export function createBuyFlow(env: BotEnv) {
  return async function buy(conversation: Flow, first: FlowContext): Promise<void> {
    const userId = await conversation.external((outer) => outer.user.id);
    const providers = await conversation.external(() => loadProviders(env));
    const saved = await conversation.external(() => savedPromoCode(env.deps.storage, userId));
    const state: BuyState = { step: 'provider', countryPage: 0, ...(saved ? { promoCode: saved } : {}) };
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

    const back = (): Step => {
      switch (state.step) {
        case 'product':
          return 'provider';
        case 'country':
          return 'product';
        case 'term':
          return (product()?.countries.length ?? 0) > 0 ? 'country' : 'product';
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
      quote = await conversation.external(() => priceChoice(env, userId, state.providerId!, choice, state.promoCode));
      if (!quote.ok && quote.reason === 'promo_refused' && state.promoCode) {
        // The code does not apply here: say so, forget it, and show the price without it.
        notice = ctx.t('promo-not-applied', { code: escapeHtml(state.promoCode), reason: escapeHtml(quote.message) });
        state.promoCode = undefined;
        await conversation.external(() => forgetPromoCode(env.deps.storage, userId));
        quote = await conversation.external(() => priceChoice(env, userId, state.providerId!, choice));
      }
      state.step = 'summary';
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

    for (;;) {
      const hints = await conversation.external(() => tierHints(env, state, providers));
      await render(ctx, state, providers, quote, catalogPrice, notice, hints);
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
        state.step = back();
        continue;
      }
      if (buttons.promo.parse(data)) {
        if (state.step === 'summary') state.step = 'promo';
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
        state.productIndex = productIndex;
        state.countryIndex = undefined;
        state.countryPage = 0;
        state.termIndex = undefined;
        state.quantity = undefined;
        state.step = chosen.countries.length > 0 ? 'country' : 'term';
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
          state.step = 'term';
        }
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

async function priceChoice(
  env: BotEnv,
  userId: number,
  providerId: string,
  choice: Parameters<BotEnv['services']['orders']['quote']>[2],
  promoCode?: string,
) {
  try {
    return await env.services.orders.quote(userId, providerId, choice, promoCode === undefined ? {} : { promoCode });
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
        const text = t('buy-quote-failed', { reason: reasonText(t, quote?.reason) });
        return show(ctx, withNotice(text), nav(new InlineKeyboard()));
      }
      const keyboard = new InlineKeyboard()
        .text(t('btn-confirm', { price: priceText(t, quote.quote.priceCents) }), orderCallbacks.confirm.pack({ quoteId: quote.quote.id }))
        .row()
        .text(t('btn-promo-code'), buttons.promo.pack());
      return show(ctx, withNotice(summaryText(t, quote.quote)), nav(keyboard));
    }
    case 'promo':
      return show(ctx, withNotice(t('promo-ask')), nav(new InlineKeyboard()));
  }
}
