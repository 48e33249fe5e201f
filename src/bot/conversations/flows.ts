/**
 * Conversations are saved between updates (kv_store) and replayed step by
 * step, so a saved one only makes sense to the code that wrote it. Each flow
 * has a version, bumped when its steps change; the storage version is made
 * of all of them, so bumping one drops the saved conversations instead of
 * replaying them into code that no longer matches. A flow that is not in the
 * list cannot be registered at all.
 */
import { createConversation, type ConversationBuilder, type ConversationFlavor } from '@grammyjs/conversations';
import type { MiddlewareFn } from 'grammy';
import type { BotContext, FlowContext } from '../context.js';

export interface FlowName {
  /** What `ctx.conversation.enter` takes. */
  readonly id: string;
  /** Bump when the flow's steps or its saved state change. */
  readonly version: number;
}

/** The storage version for these flows: every flow's id and version, e.g. `buy-1.create-token-1`. */
export function flowsVersion(flows: readonly FlowName[]): string {
  const ids = new Set(flows.map((flow) => flow.id));
  if (ids.size !== flows.length) throw new Error('a flow is listed twice');
  return flows.map((flow) => `${flow.id}-${flow.version}`).join('.');
}

/** The conversation middleware for `flow`, which must be one of `flows` (the ones the storage version covers). */
export function flowConversation<const L extends readonly FlowName[]>(
  flows: L,
  flow: L[number],
  builder: ConversationBuilder<BotContext, FlowContext>,
): MiddlewareFn<ConversationFlavor<BotContext>> {
  if (!flows.some((listed) => listed.id === flow.id && listed.version === flow.version)) {
    throw new Error(`flow ${flow.id} (version ${flow.version}) is not in the flows the storage version covers`);
  }
  return createConversation<BotContext, FlowContext>(builder, flow.id);
}
