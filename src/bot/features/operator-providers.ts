/**
 * /providers in the operator group: every upstream with whether it is on
 * sale, whether it answers and how fast, our balance there (where its adapter
 * can read one), its products on sale and our open orders with it; a button
 * per upstream takes it off sale or puts it back (services/provider-availability.ts).
 *
 * Each /providers asks every upstream once, in parallel, so the figures are
 * live, not cached. Only admins in the operator group get an answer; anyone
 * else in that group is told so and the attempt is logged.
 */
import type { I18n } from '@grammyjs/i18n';
import { Composer, GrammyError, InlineKeyboard, type Context } from 'grammy';
import type { Logger } from '../../logger.js';
import type { Outcome, ProxyProvider } from '../../providers/types.js';
import type { Catalog } from '../../services/catalog.js';
import type { ProviderAvailability } from '../../services/provider-availability.js';
import type { Language } from '../../services/users.js';
import { onCallback, operatorCallbacks as op } from '../callback-data.js';
import type { BotContext } from '../context.js';
import { isoDateTime, money } from '../format.js';
import { code, escapeHtml } from '../html.js';

export interface OperatorProvidersDeps {
  catalog: Catalog;
  availability: ProviderAvailability;
  i18n: I18n<Context>;
  language: Language;
  operatorChatId: number | undefined;
  adminIds: readonly number[];
  logger: Logger;
}

/** One upstream as /providers shows it. */
interface ProviderLine {
  provider: ProxyProvider;
  offSale?: { actor: string; since: number };
  /** How the probe went: the balance call where there is one, the catalog otherwise. */
  probe: { answered: boolean; ms: number; problem?: string };
  balanceCents?: number;
  productsOnSale: number;
  openOrders: number;
}

export function createOperatorProvidersFeature(deps: OperatorProvidersDeps): Composer<BotContext> {
  const { catalog, availability, logger } = deps;
  const composer = new Composer<BotContext>();
  const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(deps.language, key, vars);
  const inOperatorGroup = (ctx: Context) => deps.operatorChatId !== undefined && ctx.chat?.id === deps.operatorChatId;
  const isAdmin = (ctx: Context) => ctx.from !== undefined && deps.adminIds.includes(ctx.from.id);

  /** Asks one upstream for its balance (or catalog), timed. */
  async function probe(provider: ProxyProvider): Promise<Pick<ProviderLine, 'probe' | 'balanceCents'>> {
    const started = performance.now();
    let outcome: Outcome<unknown>;
    try {
      outcome = provider.balance ? await provider.balance() : await provider.getCatalog();
    } catch (error) {
      outcome = { kind: 'ambiguous', reason: 'network', message: error instanceof Error ? error.message : String(error) };
    }
    const ms = Math.round(performance.now() - started);
    if (outcome.kind !== 'ok') return { probe: { answered: false, ms, problem: `${outcome.kind}: ${outcome.message}` } };
    const balance = provider.balance ? (outcome.value as { balanceCents: number }).balanceCents : undefined;
    return { probe: { answered: true, ms }, ...(balance === undefined ? {} : { balanceCents: balance }) };
  }

  async function lines(): Promise<ProviderLine[]> {
    const offSale = availability.offSaleAll();
    const openOrders = availability.openOrdersByProvider();
    return Promise.all(
      catalog.providers().map(async (provider) => {
        const [probed, entry] = await Promise.all([probe(provider), catalog.providerEntry(provider.id)]);
        const off = offSale.get(provider.id);
        return {
          provider,
          ...(off ? { offSale: { actor: off.actor, since: off.since } } : {}),
          ...probed,
          productsOnSale: entry?.products.filter((p) => p.available).length ?? 0,
          openOrders: openOrders.get(provider.id) ?? 0,
        };
      }),
    );
  }

  function render(list: ProviderLine[]): { text: string; keyboard: InlineKeyboard } {
    if (list.length === 0) return { text: t('opp-none'), keyboard: new InlineKeyboard() };
    const keyboard = new InlineKeyboard();
    const blocks = list.map((line) => {
      const { provider } = line;
      const name = escapeHtml(provider.displayName);
      const status = line.offSale
        ? t('opp-off-sale', { actor: escapeHtml(line.offSale.actor), since: isoDateTime(line.offSale.since) })
        : t('opp-on-sale');
      const reach = line.probe.answered
        ? t('opp-reachable', { ms: line.probe.ms })
        : t('opp-unreachable', { ms: line.probe.ms, problem: escapeHtml(line.probe.problem ?? '') });
      const balance = line.balanceCents !== undefined ? money(line.balanceCents) : provider.balance ? '?' : t('opp-balance-unknown');
      if (line.offSale)
        keyboard.text(t('opp-put-on-sale', { name: provider.displayName }), op.providerSale.pack({ providerId: provider.id, on: true }));
      else
        keyboard.text(t('opp-take-off-sale', { name: provider.displayName }), op.providerSale.pack({ providerId: provider.id, on: false }));
      keyboard.row();
      return [
        `<b>${name}</b> ${code(provider.id)}`,
        status,
        reach,
        t('opp-figures', { balance, products: line.productsOnSale, open: line.openOrders }),
      ].join('\n');
    });
    return { text: [t('opp-title'), ...blocks].join('\n\n'), keyboard };
  }

  composer.command('providers', async (ctx, next) => {
    if (!inOperatorGroup(ctx)) return next();
    if (!isAdmin(ctx)) {
      logger.warn('operator command refused', { command: 'providers', telegramUserId: ctx.from?.id, chatId: ctx.chat.id });
      return ctx.reply(t('op-not-allowed'));
    }
    const view = render(await lines());
    return ctx.reply(view.text, { parse_mode: 'HTML', reply_markup: view.keyboard, link_preview_options: { is_disabled: true } });
  });

  onCallback(composer, op.providerSale, async (ctx, { providerId, on }) => {
    if (!inOperatorGroup(ctx) || !isAdmin(ctx)) {
      logger.warn('operator button refused', { telegramUserId: ctx.from.id, chatId: ctx.chat?.id, data: ctx.callbackQuery.data });
      return ctx.answerCallbackQuery({ text: t('op-not-allowed'), show_alert: true }).catch(() => undefined);
    }
    const provider = catalog.provider(providerId);
    if (!provider) return ctx.answerCallbackQuery({ text: t('opp-unknown') }).catch(() => undefined);
    const actor = `admin:${ctx.from.id}`;
    const change = availability.setOnSale(provider.id, on, actor);
    logger.info('provider sale state changed', { providerId, onSale: on, actor, change });
    await ctx
      .answerCallbackQuery({ text: t(on ? 'opp-now-on-sale' : 'opp-now-off-sale', { name: provider.displayName }) })
      .catch(() => undefined);
    const message = ctx.callbackQuery.message;
    if (!message) return;
    const view = render(await lines());
    await ctx.api
      .editMessageText(message.chat.id, message.message_id, view.text, {
        parse_mode: 'HTML',
        reply_markup: view.keyboard,
        link_preview_options: { is_disabled: true },
      })
      .catch((error: unknown) => {
        if (!(error instanceof GrammyError && /not modified/.test(error.description)))
          logger.warn('providers screen not updated', { error });
      });
  });

  return composer;
}
