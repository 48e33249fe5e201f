/**
 * `message_thread_id` in the Telegram emulator, as the Bot API server reads
 * it: a forum's topics must exist (the General topic and deleted topics are
 * refused), a private chat has no threads, and a group without topics does
 * not look at the id at all. Sends go over real HTTP, as the bot's would.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTelegramEmulator, type TelegramEmulator } from '../../src/sandbox/telegram/index.js';

let emu: TelegramEmulator;
beforeEach(async () => {
  emu = await startTelegramEmulator();
});
afterEach(async () => {
  await emu.close();
});

async function raw(method: string, params: Record<string, unknown>) {
  const response = await fetch(`${emu.url}/bot${emu.token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const THREAD_NOT_FOUND = { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message thread not found' } };

function forum() {
  const olga = emu.user({ firstName: 'Olga', startedBot: true });
  const group = emu.group({ title: 'Operators', admins: [olga], forum: true });
  return { olga, group };
}

describe('message_thread_id in a forum group', () => {
  it('posts into a topic the bot created, and the message says so', async () => {
    const { group } = forum();
    const topic = await raw('createForumTopic', { chat_id: group.id, name: 'Problems' });
    const threadId = topic.body.result.message_thread_id as number;

    const sent = await raw('sendMessage', { chat_id: group.id, text: 'Order needs attention', message_thread_id: threadId });
    expect(sent.status).toBe(200);
    expect(sent.body.result).toMatchObject({ message_thread_id: threadId, is_topic_message: true });
    expect(group.lastMessage()).toMatchObject({ plainText: 'Order needs attention', message_thread_id: threadId });
  });

  it('posts into a topic an administrator made in the app', async () => {
    const { olga, group } = forum();
    const topic = await olga.createTopicIn(group, 'Money');
    expect(topic.forum_topic_created).toEqual({ name: 'Money' });
    // The bot hears of the new topic as a service message, the way it would learn the id in Telegram.
    expect(emu.updatesPending().at(-1)?.message).toMatchObject({
      forum_topic_created: { name: 'Money' },
      message_thread_id: topic.message_id,
    });

    const sent = await raw('sendMessage', { chat_id: group.id, text: 'Low balance', message_thread_id: topic.message_id });
    expect(sent.body.result.message_thread_id).toBe(topic.message_id);
  });

  it('refuses a thread that names no topic: an unknown id, an ordinary message, the General topic', async () => {
    const { olga, group } = forum();
    const plain = await olga.sendIn(group, 'hello');
    expect(await raw('sendMessage', { chat_id: group.id, text: 'x', message_thread_id: 999 })).toEqual(THREAD_NOT_FOUND);
    expect(await raw('sendMessage', { chat_id: group.id, text: 'x', message_thread_id: plain.message_id })).toEqual(THREAD_NOT_FOUND);
    // The General topic is reached by leaving the id out, never by naming it.
    expect(await raw('sendMessage', { chat_id: group.id, text: 'x', message_thread_id: 1 })).toEqual(THREAD_NOT_FOUND);
    expect(group.messages()).toEqual([]);

    const general = await raw('sendMessage', { chat_id: group.id, text: 'to General' });
    expect(general.body.result.message_thread_id).toBeUndefined();
  });

  it('refuses a topic an administrator deleted, in sendMessage, sendDocument and copyMessage alike', async () => {
    const { olga, group } = forum();
    const topic = await olga.createTopicIn(group, 'Sales');
    const before = await raw('sendMessage', { chat_id: group.id, text: 'first sale', message_thread_id: topic.message_id });
    expect(before.status).toBe(200);

    await olga.deleteTopicIn(group, topic.message_id);
    // The topic went with everything in it.
    expect(group.messages()).toEqual([]);

    expect(await raw('sendMessage', { chat_id: group.id, text: 'second sale', message_thread_id: topic.message_id })).toEqual(
      THREAD_NOT_FOUND,
    );
    const document = await raw('sendDocument', {
      chat_id: group.id,
      document: 'https://example.com/report.csv',
      message_thread_id: topic.message_id,
    });
    expect(document).toEqual(THREAD_NOT_FOUND);
    const source = await raw('sendMessage', { chat_id: group.id, text: 'copy me' });
    const copy = await raw('copyMessage', {
      chat_id: group.id,
      from_chat_id: group.id,
      message_id: source.body.result.message_id,
      message_thread_id: topic.message_id,
    });
    expect(copy).toEqual(THREAD_NOT_FOUND);
    expect(group.messages().map((m) => m.plainText)).toEqual(['copy me']);
  });

  it('lets the bot delete its own topic once; the General topic cannot be deleted', async () => {
    const { group } = forum();
    const topic = await raw('createForumTopic', { chat_id: group.id, name: 'Temporary' });
    const threadId = topic.body.result.message_thread_id as number;
    await raw('sendMessage', { chat_id: group.id, text: 'inside', message_thread_id: threadId });

    expect((await raw('deleteForumTopic', { chat_id: group.id, message_thread_id: threadId })).body).toEqual({ ok: true, result: true });
    expect(group.messages()).toEqual([]);
    expect((await raw('deleteForumTopic', { chat_id: group.id, message_thread_id: threadId })).status).toBe(400);
    expect((await raw('deleteForumTopic', { chat_id: group.id, message_thread_id: 1 })).status).toBe(400);
  });

  it('reads a zero or negative id as no thread, as the Bot API server does', async () => {
    const { group } = forum();
    for (const id of [0, -5]) {
      const sent = await raw('sendMessage', { chat_id: group.id, text: `id ${id}`, message_thread_id: id });
      expect(sent.status).toBe(200);
      expect(sent.body.result.message_thread_id).toBeUndefined();
    }
  });
});

describe('message_thread_id outside a forum', () => {
  it('refuses any thread in a private chat: the bot has no topics there', async () => {
    const ben = emu.user({ firstName: 'Ben', startedBot: true });
    const earlier = await raw('sendMessage', { chat_id: ben.id, text: 'hello' });
    for (const id of [earlier.body.result.message_id as number, 42]) {
      expect(await raw('sendMessage', { chat_id: ben.id, text: 'x', message_thread_id: id })).toEqual(THREAD_NOT_FOUND);
    }
    expect(ben.messages().map((m) => m.plainText)).toEqual(['hello']);
  });

  it('does not look at the id in a group without topics: the message lands in the chat, in no thread', async () => {
    const olga = emu.user({ firstName: 'Olga', startedBot: true });
    const supergroup = emu.group({ title: 'Operators', admins: [olga] });
    const basic = emu.group({ title: 'Old operators', type: 'group', admins: [olga] });
    for (const group of [supergroup, basic]) {
      const sent = await raw('sendMessage', { chat_id: group.id, text: 'Low balance', message_thread_id: 7 });
      expect(sent.status).toBe(200);
      expect(sent.body.result.message_thread_id).toBeUndefined();
      expect(sent.body.result.is_topic_message).toBeUndefined();
      expect(group.lastMessage()).toMatchObject({ plainText: 'Low balance' });
      expect(group.lastMessage()?.message_thread_id).toBeUndefined();
    }
    expect((await raw('createForumTopic', { chat_id: supergroup.id, name: 'Money' })).status).toBe(400);
  });
});

describe('topics over the control routes', () => {
  it('an admin opens a topic, writes in it and deletes it, as the sandbox chat does', async () => {
    const control = async (path: string, body: Record<string, unknown>) => {
      const response = await fetch(`${emu.url}/control${path}`, { method: 'POST', body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };
    const olga = emu.user({ firstName: 'Olga', startedBot: true });
    const group = (await control('/groups', { title: 'Operators', adminIds: [olga.id], forum: true })).body;
    expect(group.is_forum).toBe(true);
    const topic = (await control(`/groups/${group.id}/topics`, { userId: olga.id, name: 'Problems' })).body;
    expect(topic.forum_topic_created).toEqual({ name: 'Problems' });
    const written = await control(`/groups/${group.id}/send`, { userId: olga.id, text: 'in the topic', threadId: topic.message_id });
    expect(written.body.message_thread_id).toBe(topic.message_id);

    expect((await control(`/groups/${group.id}/delete-topic`, { userId: olga.id, threadId: topic.message_id })).body).toEqual({
      deleted: true,
    });
    expect(await raw('sendMessage', { chat_id: group.id, text: 'x', message_thread_id: topic.message_id })).toEqual(THREAD_NOT_FOUND);
    expect((await control(`/groups/${group.id}/delete-topic`, { userId: olga.id, threadId: topic.message_id })).status).toBe(400);
  });
});
