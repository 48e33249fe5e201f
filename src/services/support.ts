/**
 * Support conversations between customers and the shop's admins, as the bot
 * relays them through the operator group. The messages themselves live in
 * Telegram; this keeps who said what and where, so an admin's reply finds
 * its customer, a forum topic is created once per customer, and the
 * customer's card can show the conversation.
 */
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { supportMessages, supportThreads } from '../db/schema/index.js';

export type SupportMessageKind = (typeof supportMessages.$inferSelect)['kind'];
export type SupportDirection = (typeof supportMessages.$inferSelect)['direction'];

export interface SupportMessage {
  id: number;
  direction: SupportDirection;
  kind: SupportMessageKind;
  text: string | null;
  adminTelegramId: number | null;
  at: number;
}

export interface SupportThread {
  userId: number;
  /** The forum topic in the operator group, when it has topics. */
  topicId: number | null;
  /** Newest last. */
  messages: SupportMessage[];
}

/** How much of a message's text is kept for the card; the full message stays in Telegram. */
const MAX_KEPT_TEXT = 1_000;

export function createSupport(deps: { db: Db; now?: () => number }) {
  const { db } = deps;
  const now = deps.now ?? Date.now;

  const touchThread = (userId: number, at: number) =>
    db
      .insert(supportThreads)
      .values({ userId, createdAt: at, updatedAt: at })
      .onConflictDoUpdate({ target: supportThreads.userId, set: { updatedAt: at } })
      .run();

  return {
    /** The forum topic of the customer's conversation, if one was created. */
    topicOf(userId: number): number | null {
      return (
        db.select({ topicId: supportThreads.topicId }).from(supportThreads).where(eq(supportThreads.userId, userId)).get()?.topicId ?? null
      );
    },

    /** The customer whose conversation owns this topic of the operator group. */
    customerOfTopic(topicId: number): number | undefined {
      return db.select({ userId: supportThreads.userId }).from(supportThreads).where(eq(supportThreads.topicId, topicId)).get()?.userId;
    },

    recordTopic(userId: number, topicId: number): void {
      const at = now();
      db.insert(supportThreads)
        .values({ userId, topicId, createdAt: at, updatedAt: at })
        .onConflictDoUpdate({ target: supportThreads.userId, set: { topicId, updatedAt: at } })
        .run();
    },

    /** Records one message of the conversation (both ways), in one transaction with the thread's timestamp. */
    record(input: {
      userId: number;
      direction: SupportDirection;
      groupMessageId: number;
      customerMessageId: number;
      kind: SupportMessageKind;
      text?: string;
      adminTelegramId?: number;
    }): void {
      const at = now();
      db.transaction(
        (tx) => {
          tx.insert(supportMessages)
            .values({
              userId: input.userId,
              direction: input.direction,
              groupMessageId: input.groupMessageId,
              customerMessageId: input.customerMessageId,
              kind: input.kind,
              text: input.text ? input.text.slice(0, MAX_KEPT_TEXT) : null,
              adminTelegramId: input.adminTelegramId ?? null,
              createdAt: at,
            })
            .onConflictDoNothing()
            .run();
          touchThread(input.userId, at);
        },
        { behavior: 'immediate' },
      );
    },

    /** The customer a message in the operator group belongs to (a copy of theirs, or a reply to them). */
    customerOfGroupMessage(groupMessageId: number): number | undefined {
      return db
        .select({ userId: supportMessages.userId })
        .from(supportMessages)
        .where(eq(supportMessages.groupMessageId, groupMessageId))
        .get()?.userId;
    },

    /** The customer's support conversation, newest `limit` messages (oldest first); undefined if they never wrote. */
    supportThreadOf(userId: number, limit = 20): SupportThread | undefined {
      const thread = db.select().from(supportThreads).where(eq(supportThreads.userId, userId)).get();
      if (!thread) return undefined;
      const rows = db
        .select()
        .from(supportMessages)
        .where(eq(supportMessages.userId, userId))
        .orderBy(desc(supportMessages.id))
        .limit(Math.min(Math.max(limit, 1), 200))
        .all();
      return {
        userId,
        topicId: thread.topicId,
        messages: rows.reverse().map((r) => ({
          id: r.id,
          direction: r.direction,
          kind: r.kind,
          text: r.text,
          adminTelegramId: r.adminTelegramId,
          at: r.createdAt,
        })),
      };
    },
  };
}

export type Support = ReturnType<typeof createSupport>;
