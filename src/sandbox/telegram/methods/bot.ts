/**
 * The bot's own settings and what it can look up: identity, commands, menu
 * button, chats and memberships, and answering callback queries.
 */
import { badRequest, QUERY_TOO_OLD } from '../errors.js';
import type { Params } from '../params.js';
import type { ChatMemberStatus, WireChatMember, WireUser } from '../types.js';
import { chatIdParam, type MethodHandler } from './common.js';

const getMe: MethodHandler = ({ state }) => ({
  ...state.bot,
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
});

/** Commands are stored per scope and language, and read back without fallback, like getMyCommands. */
function commandKey(params: Params): string {
  const scope = params.json<Record<string, unknown>>('scope') ?? { type: 'default' };
  if (typeof scope.type !== 'string') throw badRequest("can't parse BotCommandScope JSON object");
  return JSON.stringify([scope.type, scope.chat_id ?? null, scope.user_id ?? null, params.str('language_code') ?? '']);
}

const setMyCommands: MethodHandler = ({ params, state }) => {
  const commands = params.json<{ command: string; description: string }[]>('commands', 'commands JSON array');
  if (!Array.isArray(commands) || commands.length > 100) throw badRequest('BOT_COMMANDS_TOO_MUCH');
  for (const entry of commands) {
    if (typeof entry?.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(entry.command)) {
      throw badRequest('BOT_COMMAND_INVALID');
    }
    if (typeof entry.description !== 'string' || entry.description.length < 1 || entry.description.length > 256) {
      throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
    }
  }
  state.commands.set(
    commandKey(params),
    commands.map(({ command, description }) => ({ command, description })),
  );
  return true;
};

const getMyCommands: MethodHandler = ({ params, state }) => state.commands.get(commandKey(params)) ?? [];

const deleteMyCommands: MethodHandler = ({ params, state }) => {
  state.commands.delete(commandKey(params));
  return true;
};

const setChatMenuButton: MethodHandler = ({ params, state }) => {
  const key = params.has('chat_id') ? String(chatIdParam(params)) : 'default';
  const button = params.json<Record<string, unknown>>('menu_button') ?? { type: 'default' };
  if (!['default', 'commands', 'web_app'].includes(String(button.type))) throw badRequest('unsupported menu button type');
  state.menuButtons.set(key, button);
  return true;
};

const getChatMenuButton: MethodHandler = ({ params, state }) => {
  const key = params.has('chat_id') ? String(chatIdParam(params)) : 'default';
  return state.menuButtons.get(key) ?? state.menuButtons.get('default') ?? { type: 'default' };
};

const getChat: MethodHandler = ({ params, state }) => {
  const record = state.chat(chatIdParam(params));
  return {
    ...record.chat,
    accent_color_id: 0,
    max_reaction_count: 11,
    accepted_gift_types: {
      unlimited_gifts: false,
      limited_gifts: false,
      unique_gifts: false,
      premium_subscription: false,
      gifts_from_channels: false,
    },
  };
};

const getChatMember: MethodHandler = ({ params, state }) => {
  const record = state.chat(chatIdParam(params));
  const userId = params.int('user_id')!;
  const user = userId === state.bot.id ? state.bot : state.user(userId).user;
  if (record.chat.type === 'private') {
    if (userId !== record.chat.id && userId !== state.bot.id) throw badRequest('user not found');
    return chatMember(userId === state.bot.id && state.user(record.chat.id).blocked ? 'kicked' : 'member', user);
  }
  return chatMember(record.members.get(userId) ?? 'left', user);
};

export function chatMember(status: ChatMemberStatus, user: WireUser): WireChatMember {
  switch (status) {
    case 'creator':
      return { status, user, is_anonymous: false };
    case 'administrator':
      return {
        status,
        user,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: true,
        can_restrict_members: true,
        can_promote_members: false,
        can_change_info: true,
        can_invite_users: true,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
        can_pin_messages: true,
      };
    case 'kicked':
      return { status, user, until_date: 0 };
    default:
      return { status, user };
  }
}

const answerCallbackQuery: MethodHandler = ({ params, state }) => {
  const query = state.callbackQueries.get(params.str('callback_query_id')!);
  if (!query || query.answer) throw badRequest(QUERY_TOO_OLD);
  const text = params.str('text');
  if (text !== undefined && text.length > 200) throw badRequest('MESSAGE_TOO_LONG');
  query.answer = { callbackQueryId: query.id, at: state.nowMs() };
  if (text !== undefined) query.answer.text = text;
  const showAlert = params.bool('show_alert');
  if (showAlert !== undefined) query.answer.show_alert = showAlert;
  const url = params.str('url');
  if (url !== undefined) query.answer.url = url;
  state.events.emit('callbackAnswer', query.answer);
  return true;
};

const alwaysTrue: MethodHandler = () => true;

export const botMethods: Record<string, MethodHandler> = {
  getMe,
  logOut: alwaysTrue,
  close: alwaysTrue,
  setMyCommands,
  getMyCommands,
  deleteMyCommands,
  setChatMenuButton,
  getChatMenuButton,
  getChat,
  getChatMember,
  answerCallbackQuery,
};
