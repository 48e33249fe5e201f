/**
 * The in-process controls as JSON over HTTP, for the sandbox web chat and for
 * tests in another process. Bound to the emulator's own server (127.0.0.1 by
 * default) and unauthenticated: it is a local development tool.
 *
 * GET    /control                                  this route list
 * GET    /control/state                            bot, users, groups, webhook, pending update count, Stars balance
 * POST   /control/users                            {firstName, lastName?, username?, languageCode?, startedBot?} → user
 * GET    /control/users/:id/messages               bot messages in the user's private chat
 * POST   /control/users/:id/send                   {text} → the user's message
 * POST   /control/users/:id/press                  {text | pattern, messageId?} → {callbackQueryId}
 * GET    /control/users/:id/callback-answers       the bot's answers to this user's presses
 * POST   /control/users/:id/pay                    {messageId?} → {ok, chargeId? | error?} (waits for the bot)
 * POST   /control/users/:id/block                  → {blocked: true}
 * POST   /control/users/:id/unblock                → {blocked: false}
 * POST   /control/groups                           {title, memberIds?, adminIds?, type?, forum?} → group
 * GET    /control/groups/:id/messages              bot messages in the group
 * POST   /control/groups/:id/send                  {userId, text, threadId?} → the member's message
 * POST   /control/groups/:id/topics                {userId, name} → the topic's creation message (an admin opens a topic)
 * POST   /control/groups/:id/delete-topic          {userId, threadId} → {deleted: true} (an admin deletes a topic)
 * POST   /control/groups/:id/press                 {userId, text | pattern, messageId?} → {callbackQueryId}
 * GET    /control/calls?method=                    Bot API call log
 * GET    /control/updates                          queued, unconfirmed updates
 * POST   /control/faults                           {method, status, retryAfter?, description?, times?}
 * DELETE /control/faults                           drop planned faults
 * GET    /control/files/:fileId                    a stored file's bytes
 * GET    /control/changes?after=<seq>&timeout=<s>  long poll: messages (both sides) created/edited/deleted after seq
 *
 * `pattern` is a regular expression source matched against button labels.
 * Action mistakes (unknown button, blocked user, ...) answer 400 {error}.
 */
import { ActionError } from './actions.js';
import { ApiError } from './errors.js';
import type { MethodFault } from './faults.js';
import type { ControlResponse } from './server.js';
import type { StoredMessage } from './state.js';
import type { EmulatedGroup, EmulatedUser } from './control.js';
import type { TelegramEmulatorCore } from './emulator.js';
import { toJsonView, toView } from './views.js';

type Json = Record<string, unknown>;

const ok = (body: unknown): ControlResponse => ({ status: 200, body });

export function createControlHandler(emu: TelegramEmulatorCore) {
  return async (method: string, url: URL, rawBody: Buffer, signal: AbortSignal): Promise<ControlResponse> => {
    try {
      const body = rawBody.length ? (JSON.parse(rawBody.toString('utf8')) as Json) : {};
      return await dispatch(emu, method, url, body, signal);
    } catch (error) {
      if (error instanceof ActionError || error instanceof SyntaxError) return { status: 400, body: { error: error.message } };
      if (error instanceof ApiError) return { status: error.errorCode, body: { error: error.description } };
      throw error;
    }
  };
}

async function dispatch(emu: TelegramEmulatorCore, method: string, url: URL, body: Json, signal: AbortSignal): Promise<ControlResponse> {
  const path = url.pathname.replace(/\/+$/, '');
  const route = `${method} ${path}`;
  let match: RegExpExecArray | null;

  if (route === 'GET /control') return ok({ routes: ROUTES });
  if (route === 'GET /control/state') return ok(emu.describe());
  if (route === 'POST /control/users') {
    const user = emu.user({
      firstName: requireString(body, 'firstName'),
      ...optionalStrings(body, ['lastName', 'username', 'languageCode']),
      ...(typeof body.startedBot === 'boolean' ? { startedBot: body.startedBot } : {}),
    });
    return ok(user.info);
  }
  match = /^(GET|POST) \/control\/users\/(-?\d+)\/([a-z-]+)$/.exec(route);
  if (match) {
    const user = userById(emu, Number(match[2]));
    switch (`${match[1]} ${match[3]}`) {
      case 'GET messages':
        return ok(user.messages().map(toJsonView));
      case 'POST send':
        return ok(toJsonView(await user.send(requireString(body, 'text'))));
      case 'POST press':
        return ok({ callbackQueryId: await user.press(labelOf(body), messageIdOf(body)) });
      case 'GET callback-answers':
        return ok(user.callbackAnswers());
      case 'POST pay':
        return ok(await user.payInvoice(messageIdOf(body)));
      case 'POST block':
        user.block();
        return ok({ blocked: true });
      case 'POST unblock':
        user.unblock();
        return ok({ blocked: false });
    }
  }
  if (route === 'POST /control/groups') {
    const ids = (key: string) => (Array.isArray(body[key]) ? (body[key] as unknown[]).map((id) => userById(emu, Number(id))) : []);
    const type = body.type === 'group' ? 'group' : 'supergroup';
    const forum = body.forum === true;
    const group = emu.group({ title: requireString(body, 'title'), members: ids('memberIds'), admins: ids('adminIds'), type, forum });
    return ok({ id: group.id, title: group.title, type, ...(forum ? { is_forum: true } : {}) });
  }
  match = /^(GET|POST) \/control\/groups\/(-\d+)\/([a-z-]+)$/.exec(route);
  if (match) {
    const group = groupById(emu, Number(match[2]));
    switch (`${match[1]} ${match[3]}`) {
      case 'GET messages':
        return ok(group.messages().map(toJsonView));
      case 'POST send': {
        const threadId = body.threadId === undefined ? {} : { threadId: Number(body.threadId) };
        return ok(toJsonView(await userById(emu, Number(body.userId)).sendIn(group, requireString(body, 'text'), threadId)));
      }
      case 'POST press':
        return ok({ callbackQueryId: await userById(emu, Number(body.userId)).pressIn(group, labelOf(body), messageIdOf(body)) });
      case 'POST topics':
        return ok(toJsonView(await userById(emu, Number(body.userId)).createTopicIn(group, requireString(body, 'name'))));
      case 'POST delete-topic':
        await userById(emu, Number(body.userId)).deleteTopicIn(group, Number(body.threadId));
        return ok({ deleted: true });
    }
  }
  if (route === 'GET /control/calls') return ok(emu.methodCalls(url.searchParams.get('method') ?? undefined));
  if (route === 'GET /control/updates') return ok(emu.updatesPending());
  if (route === 'POST /control/faults') {
    const fault = (
      typeof body.description === 'string'
        ? { status: Number(body.status), description: body.description }
        : { status: Number(body.status), ...(body.retryAfter !== undefined ? { retryAfter: Number(body.retryAfter) } : {}) }
    ) as MethodFault;
    emu.faults.inject(requireString(body, 'method'), fault, body.times === undefined ? 1 : Number(body.times));
    return ok({ planned: emu.faults.pending() });
  }
  if (route === 'DELETE /control/faults') {
    emu.faults.clear();
    return ok({ planned: [] });
  }
  match = /^GET \/control\/files\/([^/]+)$/.exec(route);
  if (match) {
    const file = emu.state.files.get(decodeURIComponent(match[1]!));
    if (!file) return { status: 404, body: { error: 'file not found' } };
    return {
      status: 200,
      body: null,
      bytes: {
        content: file.content,
        contentType: file.mimeType ?? 'application/octet-stream',
        ...(file.fileName ? { fileName: file.fileName } : {}),
      },
    };
  }
  if (route === 'GET /control/changes') {
    const after = Number(url.searchParams.get('after') ?? 0);
    const timeoutMs = Math.min(60, Number(url.searchParams.get('timeout') ?? 0)) * 1000;
    return ok(await changesAfter(emu, after, timeoutMs, signal));
  }
  return { status: 404, body: { error: `no control route ${route}` } };
}

/** Every message changed after `after`, waiting up to `timeoutMs` for the first one. */
async function changesAfter(emu: TelegramEmulatorCore, after: number, timeoutMs: number, signal: AbortSignal) {
  const collect = () => {
    const changed: StoredMessage[] = [];
    for (const chat of emu.state.chats.values()) for (const m of chat.messages.values()) if (m.seq > after) changed.push(m);
    return changed.sort((a, b) => a.seq - b.seq);
  };
  let changed = collect();
  if (changed.length === 0 && timeoutMs > 0 && !signal.aborted) {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        emu.state.events.off('message', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      emu.state.events.on('message', done);
      signal.addEventListener('abort', done);
    });
    changed = collect();
  }
  return {
    seq: emu.state.currentSeq(),
    messages: changed.map((m) => ({ ...toJsonView(toView(m)), deleted: m.deleted })),
  };
}

function userById(emu: TelegramEmulatorCore, id: number): EmulatedUser {
  const user = emu.users().find((u) => u.id === id);
  if (!user) throw new ActionError(`unknown user ${id}`);
  return user;
}

function groupById(emu: TelegramEmulatorCore, id: number): EmulatedGroup {
  const group = emu.groups().find((g) => g.id === id);
  if (!group) throw new ActionError(`unknown group ${id}`);
  return group;
}

function requireString(body: Json, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value.length === 0) throw new ActionError(`${key} is required`);
  return value;
}

function optionalStrings<K extends string>(body: Json, keys: K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) if (typeof body[key] === 'string') out[key] = body[key] as string;
  return out;
}

function labelOf(body: Json): string | RegExp {
  if (typeof body.pattern === 'string') return new RegExp(body.pattern);
  return requireString(body, 'text');
}

function messageIdOf(body: Json): number | undefined {
  return body.messageId === undefined ? undefined : Number(body.messageId);
}

const ROUTES = [
  'GET /control/state',
  'POST /control/users',
  'GET /control/users/:id/messages',
  'POST /control/users/:id/send',
  'POST /control/users/:id/press',
  'GET /control/users/:id/callback-answers',
  'POST /control/users/:id/pay',
  'POST /control/users/:id/block',
  'POST /control/users/:id/unblock',
  'POST /control/groups',
  'GET /control/groups/:id/messages',
  'POST /control/groups/:id/send',
  'POST /control/groups/:id/press',
  'POST /control/groups/:id/topics',
  'POST /control/groups/:id/delete-topic',
  'GET /control/calls?method=',
  'GET /control/updates',
  'POST /control/faults',
  'DELETE /control/faults',
  'GET /control/files/:fileId',
  'GET /control/changes?after=&timeout=',
];
