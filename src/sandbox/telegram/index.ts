/**
 * A Telegram Bot API emulator: a real HTTP server speaking the Bot API wire
 * format, so the real grammY bot runs against it unchanged
 * (`new Bot(emu.token, { client: { apiRoot: emu.url } })`), plus handles for
 * acting as users and asserting on what they see.
 */
export { startTelegramEmulator, TelegramEmulatorCore } from './emulator.js';
export type { NewGroup, NewUser, TelegramEmulator, TelegramEmulatorOptions } from './emulator.js';
export { EmulatedGroup, EmulatedUser } from './control.js';
export type { MessageRef, WaitOptions } from './control.js';
export { ActionError } from './actions.js';
export type { PaymentResult } from './actions.js';
export type { MethodCall } from './api.js';
export type { MethodFault, MethodFaults } from './faults.js';
export type { CallbackAnswer, PaymentRecord } from './state.js';
export type { ButtonView, ChatMessage } from './views.js';
export type * from './types.js';
