/**
 * Support inside the bot, through the Telegram emulator: a customer writes
 * from Help (or types outside any flow and confirms), the message reaches
 * the operator group with the customer's card command — in a topic of their
 * own when the group has topics — an admin's reply goes back to the
 * customer, files pass through both ways, and the conversation is kept.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateBotDeps } from '../../src/bot/index.js';
import type { ChatMessage } from '../../src/sandbox/telegram/index.js';
import { has, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { waitFor } from '../helpers/wait.js';

let world: BotShop | undefined;
afterEach(async () => {
  if (world) {
    expect(world.errors()).toEqual([]);
    await world.close();
    world = undefined;
  }
});

async function shopWithOperators(forum: boolean) {
  const options: { bot: Partial<CreateBotDeps> } = { bot: {} };
  const w = await startBotShop([], options);
  world = w;
  const olga = w.emu.user({ firstName: 'Olga', startedBot: true });
  const group = w.emu.group({ title: 'Operators', members: [olga], admins: [olga], forum });
  options.bot.operatorChatId = group.id;
  options.bot.adminIds = [olga.id];
  await w.restartBot();
  return { w, olga, group };
}

const groupMessage = (predicate: (m: ChatMessage) => boolean) => (messages: ChatMessage[]) => messages.find(predicate);

describe('support inside the bot', () => {
  it('a message from Help reaches the operator group with the card command, and an admin’s reply reaches the customer', async () => {
    const { w, olga, group } = await shopWithOperators(false);
    const ann = w.customer({ firstName: 'Ann' });
    await say(ann, '/start', has('Proxy Storefront'));
    const help = await press(ann, '❓ Help', has('How it works'));
    expect(help.plainText).toContain('Write to support');
    await press(ann, '✉️ Write to support', has('Send your message'));
    await say(ann, 'My proxy answers 407 since this morning', has('Sent to support'));

    const copy = await waitFor(() => groupMessage((m) => m.plainText === 'My proxy answers 407 since this morning')(group.messages()), {
      what: 'the copy in the group',
    });
    const header = group.messages().find((m) => m.plainText.includes('Support message from Ann'));
    expect(header?.plainText).toContain(`/user ${ann.id}`);

    await olga.sendIn(group, 'Please switch to port 8080 and try again', { replyTo: copy });
    const reply = await ann.waitForMessage(has('Support: Please switch to port 8080 and try again'));
    expect(reply.plainText).toBe('💬 Support: Please switch to port 8080 and try again');
    await group.waitForMessage(has('Sent to Ann'));

    const thread = await waitFor(
      () => w.shop.support.supportThreadOf(w.account(ann).id)?.messages.length === 2 && w.shop.support.supportThreadOf(w.account(ann).id),
      {
        what: 'the reply kept',
      },
    );
    expect(thread.messages.map((m) => [m.direction, m.text])).toEqual([
      ['from_customer', 'My proxy answers 407 since this morning'],
      ['to_customer', 'Please switch to port 8080 and try again'],
    ]);
    expect(thread.messages[1]?.adminTelegramId).toBe(olga.id);
  });

  it('typed text outside a flow goes to support once confirmed, in a topic per customer; files pass through both ways', async () => {
    const { w, olga, group } = await shopWithOperators(true);
    const ben = w.customer({ firstName: 'Ben' });
    await say(ben, '/start', has('Proxy Storefront'));
    const offer = await say(ben, 'the checkout keeps spinning', has('Is this for the shop'));
    expect(offer.plainText).not.toContain("didn't understand");
    await press(ben, '✉️ Send it to support', has('Sent to support'));

    const topic = await waitFor(() => group.messages().find((m) => m.forum_topic_created), { what: 'the topic' });
    expect(topic.forum_topic_created?.name).toContain('Ben');
    const copy = await waitFor(() => group.messages().find((m) => m.plainText === 'the checkout keeps spinning'), { what: 'the copy' });
    expect(copy.thread_id).toBe(topic.message_id);

    // A screenshot from the customer lands in the same topic, bytes intact.
    await press(ben, /Main menu/, has('Proxy Storefront'));
    await say(ben, '/support', has('Send your message'));
    await ben.sendDocument({ fileName: 'screen.png', content: Buffer.from('PNG-bytes'), mimeType: 'image/png', caption: 'see this' });
    await ben.waitForMessage(has('Sent to support'));
    const file = await waitFor(() => group.messages().find((m) => m.document?.file_name === 'screen.png'), { what: 'the file' });
    expect(file.document?.content.toString()).toBe('PNG-bytes');
    expect(file.plainText).toBe('see this');
    expect(file.thread_id).toBe(topic.message_id);
    expect(group.messages().filter((m) => m.forum_topic_created)).toHaveLength(1);

    // An admin writes in the topic (no explicit reply), then sends a file: both reach Ben.
    await olga.sendIn(group, 'We are looking into it', { threadId: topic.message_id });
    await ben.waitForMessage(has('Support: We are looking into it'));
    await olga.sendDocumentIn(
      group,
      { fileName: 'fix.txt', content: Buffer.from('steps'), caption: 'try these steps' },
      { threadId: topic.message_id },
    );
    const fix = await ben.waitForMessage((m) => m.document?.file_name === 'fix.txt');
    expect(fix.document?.content.toString()).toBe('steps');
    expect(fix.plainText).toBe('💬 Support: try these steps');

    const kept = await waitFor(
      () => w.shop.support.supportThreadOf(w.account(ben).id)?.messages.length === 4 && w.shop.support.supportThreadOf(w.account(ben).id),
      {
        what: 'the reply kept',
      },
    );
    expect(kept.messages.map((m) => [m.direction, m.kind])).toEqual([
      ['from_customer', 'text'],
      ['from_customer', 'document'],
      ['to_customer', 'text'],
      ['to_customer', 'document'],
    ]);
  });

  it('a customer whose topic an operator deleted gets a new topic, and their message still reaches the team', async () => {
    const { w, olga, group } = await shopWithOperators(true);
    const cat = w.customer({ firstName: 'Cat' });
    await say(cat, '/start', has('Proxy Storefront'));
    await say(cat, '/support', has('Send your message'));
    await say(cat, 'first question', has('Sent to support'));
    const first = await waitFor(() => group.messages().find((m) => m.forum_topic_created), { what: 'the first topic' });

    // Tidying up, an operator deletes the topic with its history.
    await olga.deleteTopicIn(group, first.message_id);
    expect(group.messages()).toEqual([]);

    await press(cat, /Main menu/, has('Proxy Storefront'));
    await say(cat, '/support', has('Send your message'));
    await say(cat, 'second question', has('Sent to support'));
    const second = await waitFor(() => group.messages().find((m) => m.forum_topic_created), { what: 'the new topic' });
    expect(second.message_id).not.toBe(first.message_id);
    expect(second.forum_topic_created?.name).toContain('Cat');
    const copy = await waitFor(() => group.messages().find((m) => m.plainText === 'second question'), { what: 'the copy' });
    expect(copy.thread_id).toBe(second.message_id);

    // The team's answer in the new topic reaches Cat.
    await olga.sendIn(group, 'Answered here', { threadId: second.message_id });
    await cat.waitForMessage(has('Support: Answered here'));
  });
});
