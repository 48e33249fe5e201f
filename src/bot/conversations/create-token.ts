/**
 * Creating an API token: name → scopes → (for a token that may buy) whether
 * its money requests must be signed → optional expiry → the token, shown
 * once, with its signing secret when signing is on. Only the token's hash is
 * stored (services/tokens.ts), so the message with it is the customer's only
 * copy; the signing secret is stored (the shop computes HMACs with it) but
 * never shown again either.
 */
import { InlineKeyboard } from 'grammy';
import { TOKEN_SCOPES, TokenError, type TokenScope } from '../../services/tokens.js';
import { menuCallbacks, tokenFlowCallbacks as flow } from '../callback-data.js';
import type { BotEnv, FlowContext } from '../context.js';
import { isoDate } from '../format.js';
import { code, escapeHtml } from '../html.js';
import { tokensAndMenu } from '../keyboards/main-menu.js';
import { show } from '../ui.js';
import type { FlowName } from './flows.js';
import { backAndCancel, nextAnswer, showStep, type Flow } from './steps.js';

export const TOKEN_FLOW = { id: 'create-token', version: 2 } as const satisfies FlowName;

const EXPIRY_PRESETS = [30, 90, 365];
const MAX_EXPIRY_DAYS = 3650;
const MAX_NAME_LENGTH = 64;

type Step = 'name' | 'scopes' | 'signing' | 'expiry';

type Created =
  | { ok: true; token: string; signingSecret: string | null; name: string; scopes: TokenScope[]; expiresAt: number | null }
  | { ok: false; code: string };

export function createTokenFlow(env: BotEnv) {
  return async function createToken(conversation: Flow, first: FlowContext): Promise<void> {
    const userId = await conversation.external((outer) => outer.user.id);
    let step: Step = 'name';
    let name = '';
    const scopes = new Set<TokenScope>(['read']);
    let signed = false;
    // Signing guards money requests: asked only of a token that may buy, and only where the shop can check signatures.
    const asksSigning = () => scopes.has('buy') && env.services.tokenSigning !== undefined;
    let ctx = first;
    let notice: string | undefined;

    for (;;) {
      const t = ctx.t;
      const nav = (keyboard: InlineKeyboard, withBack: boolean) =>
        backAndCancel(t, keyboard, { ...(withBack ? { back: flow.back.pack() } : {}), cancel: flow.cancel.pack() });
      if (step === 'name') {
        await showStep(ctx, notice, t('token-ask-name', { max: MAX_NAME_LENGTH }), nav(new InlineKeyboard(), false));
      } else if (step === 'scopes') {
        const keyboard = new InlineKeyboard();
        for (const scope of TOKEN_SCOPES) {
          keyboard.text(`${scopes.has(scope) ? '✅' : '▫️'} ${t(`token-scope-${scope}`)}`, flow.scope.pack({ scope })).row();
        }
        keyboard.text(t('btn-next'), flow.next.pack());
        await showStep(ctx, notice, t('token-ask-scopes', { name: escapeHtml(name) }), nav(keyboard, true));
      } else if (step === 'signing') {
        const keyboard = new InlineKeyboard()
          .text(`${signed ? '✅' : '▫️'} ${t('token-signing-toggle')}`, flow.signing.pack())
          .row()
          .text(t('btn-next'), flow.next.pack());
        await showStep(ctx, notice, t('token-ask-signing'), nav(keyboard, true));
      } else {
        const keyboard = new InlineKeyboard().text(t('token-expiry-never'), flow.expiry.pack({ days: 0 })).row();
        for (const days of EXPIRY_PRESETS) keyboard.text(t('token-expiry-days', { days }), flow.expiry.pack({ days }));
        await showStep(ctx, notice, t('token-ask-expiry', { max: MAX_EXPIRY_DAYS }), nav(keyboard, true));
      }
      notice = undefined;

      const answer = await nextAnswer(conversation, flow.namespace);
      ctx = answer.ctx;
      const { data, text } = answer;

      if (flow.cancel.parse(data)) {
        await show(ctx, ctx.t('token-cancelled'), tokensAndMenu(ctx.t));
        return;
      }
      if (flow.back.parse(data)) {
        step = step === 'expiry' ? (asksSigning() ? 'signing' : 'scopes') : step === 'signing' ? 'scopes' : 'name';
        continue;
      }

      let expiryDays: number | undefined;
      if (step === 'name') {
        const candidate = text?.trim() ?? '';
        if (data !== undefined || candidate.length === 0 || [...candidate].length > MAX_NAME_LENGTH) {
          notice = ctx.t('token-name-invalid', { max: MAX_NAME_LENGTH });
          continue;
        }
        name = candidate;
        step = 'scopes';
        continue;
      }
      if (step === 'scopes') {
        const toggled = flow.scope.parse(data);
        if (toggled) {
          if (scopes.has(toggled.scope)) scopes.delete(toggled.scope);
          else scopes.add(toggled.scope);
        } else if (flow.next.parse(data)) {
          if (scopes.size === 0) notice = ctx.t('token-scopes-empty');
          else step = asksSigning() ? 'signing' : 'expiry';
        } else {
          notice = ctx.t('use-buttons');
        }
        continue;
      }
      if (step === 'signing') {
        if (flow.signing.parse(data)) signed = !signed;
        else if (flow.next.parse(data)) step = 'expiry';
        else notice = ctx.t('use-buttons');
        continue;
      }
      // step === 'expiry'
      const pressed = flow.expiry.parse(data);
      if (pressed) expiryDays = pressed.days;
      else if (text !== undefined && /^\s*\d{1,4}\s*$/.test(text)) expiryDays = Number(text);
      if (expiryDays === undefined || !Number.isSafeInteger(expiryDays) || expiryDays < 0 || expiryDays > MAX_EXPIRY_DAYS) {
        notice = ctx.t('token-expiry-invalid', { max: MAX_EXPIRY_DAYS });
        continue;
      }
      const days = expiryDays;
      const chosen = TOKEN_SCOPES.filter((s) => scopes.has(s));
      const signing = signed && asksSigning();
      const created = await conversation.external((): Created => createFor(env, userId, name, chosen, days, signing));
      if (!created.ok) {
        if (created.code === 'invalid_name') {
          step = 'name';
          notice = ctx.t('token-name-invalid', { max: MAX_NAME_LENGTH });
          continue;
        }
        const key = created.code === 'too_many_tokens' ? 'token-too-many' : 'error-generic';
        await show(ctx, ctx.t(key), new InlineKeyboard().text(ctx.t('menu-tokens'), menuCallbacks.tokens.pack()));
        return;
      }
      const lines = [
        ctx.t('token-created', { name: escapeHtml(created.name) }),
        code(created.token),
        ...(created.signingSecret === null
          ? []
          : [ctx.t('token-created-signing-secret'), code(created.signingSecret), ctx.t('token-created-signing-how')]),
        ctx.t('token-created-scopes', { scopes: created.scopes.map((s) => ctx.t(`token-scope-${s}`)).join(', ') }),
        created.expiresAt === null
          ? ctx.t('token-created-no-expiry')
          : ctx.t('token-created-expires', { date: isoDate(created.expiresAt) }),
        '',
        ctx.t('token-shown-once'),
      ];
      await show(ctx, lines.join('\n'), tokensAndMenu(ctx.t));
      return;
    }
  };
}

function createFor(env: BotEnv, userId: number, name: string, scopes: TokenScope[], days: number, signing: boolean): Created {
  const { tokens, tokenSigning } = env.services;
  if (!tokens || (signing && !tokenSigning)) return { ok: false, code: 'unavailable' };
  try {
    const expiresAt = days > 0 ? env.now() + days * 86_400_000 : null;
    const input = { userId, name, scopes, expiresAt };
    if (signing) {
      const { token, signingSecret, record } = tokenSigning!.createSigningToken(input);
      return { ok: true, token, signingSecret, name: record.name, scopes: record.scopes, expiresAt: record.expiresAt };
    }
    const { token, record } = tokens.create(input);
    return { ok: true, token, signingSecret: null, name: record.name, scopes: record.scopes, expiresAt: record.expiresAt };
  } catch (error) {
    if (error instanceof TokenError) return { ok: false, code: error.code };
    env.logger.error('token creation failed', { error });
    return { ok: false, code: 'failed' };
  }
}
