/** Every Bot API method the emulator implements, by its canonical name. */
import { botMethods } from './bot.js';
import type { MethodHandler } from './common.js';
import { messageMethods } from './messages.js';
import { paymentMethods } from './payments.js';
import { updateMethods } from './updates.js';

export const METHODS: Readonly<Record<string, MethodHandler>> = {
  ...botMethods,
  ...messageMethods,
  ...paymentMethods,
  ...updateMethods,
};

export type { MethodContext, MethodHandler } from './common.js';
