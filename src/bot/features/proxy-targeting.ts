/**
 * The proxy card's connection-string builder: country → region → city →
 * network → rotating or sticky session, then the string for that target.
 * Nothing is bought and the proxy is unchanged (services/targeting.ts), so
 * the customer can build as many as they like.
 *
 * The choice travels in the buttons as 1-based places in the option lists
 * (0: none chosen), so the flow needs no stored state; the service checks
 * the resulting target against the options again before building anything.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { StickyLifetime, TargetingCountry, TargetingOptions, TargetingRegion } from '../../providers/types.js';
import type { TargetedConnection, Targeting, TargetRequest } from '../../services/targeting.js';
import { onCallback, proxyCallbacks as px, targetingCallbacks } from '../callback-data.js';
import type { BotContext } from '../context.js';
import { code, escapeHtml } from '../html.js';
import { countryText } from '../labels.js';
import { show, type Translate } from '../ui.js';
import { reasonText } from '../views/order.js';

/** Places shown per page of a list (countries, regions); Telegram allows 100 buttons, and a phone shows far fewer. */
export const TARGETING_PAGE_SIZE = 24;
const PER_ROW = 3;

type Present = (ctx: BotContext, text: string, keyboard: InlineKeyboard) => Promise<void>;

/** Under a delivery: a new message, so the credentials stay in the chat. */
const inNewMessage: Present = (ctx, text, keyboard) =>
  ctx.reply(text, { reply_markup: keyboard, link_preview_options: { is_disabled: true } }).then(() => undefined);

interface Choice {
  subscriptionId: string;
  country: number;
  region: number;
  city: number;
  asn: number;
}

/** The 1-based place of an item, or undefined for 0 / out of range. */
const at = <T>(items: readonly T[], place: number): T | undefined => (place > 0 ? items[place - 1] : undefined);

function grid(keyboard: InlineKeyboard, buttons: Array<[string, string]>): void {
  buttons.forEach(([label, data], i) => {
    keyboard.text(label, data);
    if ((i + 1) % PER_ROW === 0) keyboard.row();
  });
  if (buttons.length % PER_ROW !== 0) keyboard.row();
}

function pager(keyboard: InlineKeyboard, t: Translate, page: number, total: number, packPage: (page: number) => string): void {
  const pages = Math.ceil(total / TARGETING_PAGE_SIZE);
  if (pages <= 1) return;
  if (page > 0) keyboard.text(t('btn-prev-page'), packPage(page - 1));
  if (page < pages - 1) keyboard.text(t('btn-next-page'), packPage(page + 1));
  keyboard.row();
}

const pageOf = <T>(items: readonly T[], page: number) => items.slice(page * TARGETING_PAGE_SIZE, (page + 1) * TARGETING_PAGE_SIZE);

function cityList(country: TargetingCountry, region: TargetingRegion | undefined) {
  return region ? region.cities : country.cities;
}

/** What the choice so far reads as: "🇺🇸 United States · California · Los Angeles · AS7922". */
function targetText(t: Translate, options: TargetingOptions, choice: Choice): string {
  const country = at(options.countries, choice.country);
  if (!country) return t('targeting-any-country');
  const region = at(country.regions, choice.region);
  const city = at(cityList(country, region), choice.city);
  const asn = at(country.asns, choice.asn);
  return [countryText(t, country), region?.name, city?.name, asn === undefined ? undefined : `AS${asn}`]
    .filter((part): part is string => part !== undefined)
    .map(escapeHtml)
    .join(' · ');
}

/** Lifetimes the shop has words for in every language; another provider's own label is shown as it comes. */
const WORDED_LIFETIMES = new Set(['short', 'long', 'default']);

function sessionText(t: Translate, lifetime: StickyLifetime | undefined): string {
  if (!lifetime) return t('targeting-session-rotating');
  const words = WORDED_LIFETIMES.has(lifetime.id) ? t(`targeting-lifetime-${lifetime.id}`) : escapeHtml(lifetime.label);
  return t('targeting-session-sticky', { lifetime: words });
}

function connectionText(
  t: Translate,
  options: TargetingOptions,
  choice: Choice,
  lifetime: StickyLifetime | undefined,
  built: TargetedConnection,
): string {
  const lines = [
    t('targeting-result-title'),
    t('targeting-result-target', { target: targetText(t, options, choice) }),
    t('targeting-result-session', { session: sessionText(t, lifetime) }),
    '',
  ];
  if (built.lines.http) lines.push(`HTTP: ${code(built.lines.http)}`);
  if (built.lines.socks5) lines.push(`SOCKS5: ${code(built.lines.socks5)}`);
  if (built.lines['host:port:login:password']) lines.push(code(built.lines['host:port:login:password']));
  lines.push('', t('targeting-result-note'));
  return lines.join('\n');
}

export function createProxyTargetingFeature(targeting: Targeting): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  /** The options, or a note on the card's place when there are none now. */
  const optionsFor = async (ctx: BotContext, subscriptionId: string, present: Present = show): Promise<TargetingOptions | undefined> => {
    const options = await targeting.options(ctx.user.id, subscriptionId);
    if (options.ok) return options.value;
    const keyboard = new InlineKeyboard().text(ctx.t('proxies-back-to-card'), px.card.pack({ subscriptionId }));
    await present(ctx, ctx.t('proxy-action-failed', { reason: reasonText(ctx.t, options.reason) }), keyboard);
    return undefined;
  };

  const backToCard = (keyboard: InlineKeyboard, t: Translate, subscriptionId: string) =>
    keyboard.text(t('proxies-back-to-card'), px.card.pack({ subscriptionId }));

  const showCountries = async (ctx: BotContext, subscriptionId: string, page: number, present: Present = show) => {
    const options = await optionsFor(ctx, subscriptionId, present);
    if (!options) return;
    // No geo choice at all: straight to the session.
    if (options.countries.length === 0) {
      return showSession(ctx, options, { subscriptionId, country: 0, region: 0, city: 0, asn: 0 }, present);
    }
    const keyboard = new InlineKeyboard();
    const first = page * TARGETING_PAGE_SIZE;
    grid(
      keyboard,
      pageOf(options.countries, page).map((country, i) => [
        countryText(ctx.t, country),
        targetingCallbacks.places.pack({ subscriptionId, country: first + i + 1, page: 0 }),
      ]),
    );
    pager(keyboard, ctx.t, page, options.countries.length, (p) => targetingCallbacks.countries.pack({ subscriptionId, page: p }));
    keyboard
      .text(ctx.t('targeting-any-country'), targetingCallbacks.session.pack({ subscriptionId, country: 0, region: 0, city: 0, asn: 0 }))
      .row();
    await present(ctx, ctx.t('targeting-choose-country'), backToCard(keyboard, ctx.t, subscriptionId));
  };

  const showNetworks = async (ctx: BotContext, options: TargetingOptions, choice: Choice) => {
    const country = at(options.countries, choice.country);
    if (!country || country.asns.length === 0) return showSession(ctx, options, choice);
    const keyboard = new InlineKeyboard();
    grid(
      keyboard,
      country.asns
        .slice(0, TARGETING_PAGE_SIZE * 2)
        .map((asn, i) => [`AS${asn}`, targetingCallbacks.session.pack({ ...choice, asn: i + 1 })]),
    );
    keyboard.text(ctx.t('targeting-any-network'), targetingCallbacks.session.pack({ ...choice, asn: 0 })).row();
    await show(
      ctx,
      ctx.t('targeting-choose-network', { target: targetText(ctx.t, options, choice) }),
      backToCard(keyboard, ctx.t, choice.subscriptionId),
    );
  };

  const showSession = async (ctx: BotContext, options: TargetingOptions, choice: Choice, present: Present = show) => {
    const keyboard = new InlineKeyboard()
      .text(ctx.t('targeting-session-rotating'), targetingCallbacks.build.pack({ ...choice, lifetime: 0 }))
      .row();
    options.stickyLifetimes.forEach((lifetime, i) => {
      keyboard.text(sessionText(ctx.t, lifetime), targetingCallbacks.build.pack({ ...choice, lifetime: i + 1 })).row();
    });
    await present(
      ctx,
      ctx.t('targeting-choose-session', { target: targetText(ctx.t, options, choice) }),
      backToCard(keyboard, ctx.t, choice.subscriptionId),
    );
  };

  onCallback(composer, targetingCallbacks.countries, (ctx, { subscriptionId, page }) => showCountries(ctx, subscriptionId, page));
  onCallback(composer, targetingCallbacks.openAsNew, (ctx, { subscriptionId }) => showCountries(ctx, subscriptionId, 0, inNewMessage));

  onCallback(composer, targetingCallbacks.places, async (ctx, { subscriptionId, country: place, page }) => {
    const options = await optionsFor(ctx, subscriptionId);
    const country = options && at(options.countries, place);
    if (!options || !country) return options && showCountries(ctx, subscriptionId, 0);
    const choice = { subscriptionId, country: place, region: 0, city: 0, asn: 0 };
    if (country.regions.length === 0 && country.cities.length === 0) return showNetworks(ctx, options, choice);
    // Regions first, then the cities the country targets without one; one list, paged.
    const places: Array<[string, string]> = [
      ...country.regions.map((region, i): [string, string] => [
        region.name,
        region.cities.length > 0
          ? targetingCallbacks.cities.pack({ subscriptionId, country: place, region: i + 1 })
          : targetingCallbacks.networks.pack({ subscriptionId, country: place, region: i + 1, city: 0 }),
      ]),
      ...country.cities.map((city, i): [string, string] => [
        city.name,
        targetingCallbacks.networks.pack({ subscriptionId, country: place, region: 0, city: i + 1 }),
      ]),
    ];
    const keyboard = new InlineKeyboard();
    grid(keyboard, pageOf(places, page));
    pager(keyboard, ctx.t, page, places.length, (p) => targetingCallbacks.places.pack({ subscriptionId, country: place, page: p }));
    keyboard.text(ctx.t('targeting-whole-country'), targetingCallbacks.networks.pack({ ...choice, city: 0 })).row();
    keyboard.text(ctx.t('btn-back'), targetingCallbacks.countries.pack({ subscriptionId, page: 0 }));
    await show(
      ctx,
      ctx.t('targeting-choose-place', { country: escapeHtml(countryText(ctx.t, country)) }),
      backToCard(keyboard, ctx.t, subscriptionId),
    );
  });

  onCallback(composer, targetingCallbacks.cities, async (ctx, fields) => {
    const options = await optionsFor(ctx, fields.subscriptionId);
    if (!options) return;
    const region = at(at(options.countries, fields.country)?.regions ?? [], fields.region);
    if (!region) return showCountries(ctx, fields.subscriptionId, 0);
    const choice = { ...fields, city: 0, asn: 0 };
    const keyboard = new InlineKeyboard();
    grid(
      keyboard,
      region.cities
        .slice(0, TARGETING_PAGE_SIZE * 2)
        .map((city, i) => [city.name, targetingCallbacks.networks.pack({ ...fields, city: i + 1 })]),
    );
    keyboard.text(ctx.t('targeting-whole-region'), targetingCallbacks.networks.pack({ ...fields, city: 0 })).row();
    await show(
      ctx,
      ctx.t('targeting-choose-city', { target: targetText(ctx.t, options, choice) }),
      backToCard(keyboard, ctx.t, fields.subscriptionId),
    );
  });

  onCallback(composer, targetingCallbacks.networks, async (ctx, fields) => {
    const options = await optionsFor(ctx, fields.subscriptionId);
    if (options) await showNetworks(ctx, options, { ...fields, asn: 0 });
  });

  onCallback(composer, targetingCallbacks.session, async (ctx, fields) => {
    const options = await optionsFor(ctx, fields.subscriptionId);
    if (options) await showSession(ctx, options, fields);
  });

  onCallback(composer, targetingCallbacks.build, async (ctx, { lifetime: lifetimePlace, ...choice }) => {
    const options = await optionsFor(ctx, choice.subscriptionId);
    if (!options) return;
    const country = at(options.countries, choice.country);
    const region = country && at(country.regions, choice.region);
    const city = country && at(cityList(country, region), choice.city);
    const asn = country && at(country.asns, choice.asn);
    const lifetime = at(options.stickyLifetimes, lifetimePlace);
    const request: TargetRequest = {
      ...(country ? { country: country.code } : {}),
      ...(region ? { region: region.code } : {}),
      ...(city ? { city: city.code } : {}),
      ...(asn === undefined ? {} : { asn }),
      ...(lifetime ? { session: 'sticky', lifetime: lifetime.id } : { session: 'rotating' }),
    };
    const built = await targeting.connection(ctx.user.id, choice.subscriptionId, request);
    const keyboard = new InlineKeyboard();
    if (!built.ok) {
      const reason = built.reason === 'invalid_target' ? built.message : reasonText(ctx.t, built.reason);
      keyboard
        .text(ctx.t('targeting-another'), targetingCallbacks.countries.pack({ subscriptionId: choice.subscriptionId, page: 0 }))
        .row();
      return show(ctx, ctx.t('proxy-action-failed', { reason: escapeHtml(reason) }), backToCard(keyboard, ctx.t, choice.subscriptionId));
    }
    // Pressing again makes a new session id: a new sticky IP for the same target.
    if (lifetime)
      keyboard.text(ctx.t('targeting-new-session'), targetingCallbacks.build.pack({ ...choice, lifetime: lifetimePlace })).row();
    keyboard.text(ctx.t('targeting-another'), targetingCallbacks.countries.pack({ subscriptionId: choice.subscriptionId, page: 0 })).row();
    await show(ctx, connectionText(ctx.t, options, choice, lifetime, built.value), backToCard(keyboard, ctx.t, choice.subscriptionId));
  });

  return composer;
}
