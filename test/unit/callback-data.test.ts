import { describe, expect, it } from 'vitest';
import {
  CALLBACK_GROUPS,
  defineCallback,
  LONGEST_METHOD_ID,
  MAX_CALLBACK_BYTES,
  namespace,
  orderIdOfOperatorCallback,
  slug,
  topUpCallbacks,
  topUpNamespace,
  type CallbackAction,
  type CallbackNamespace,
} from '../../src/bot/callback-data.js';
import { newId } from '../../src/domain/ids.js';

interface Defined {
  name: string;
  action: CallbackAction;
  namespace: CallbackNamespace;
}

const TOP_UP_METHOD_IDS = ['stars', 'cryptopay', 'manual', LONGEST_METHOD_ID];

/** Every action the bot defines, with the namespace it is listed under. */
function everyAction(): Defined[] {
  const all: Defined[] = [];
  for (const [group, members] of Object.entries(CALLBACK_GROUPS)) {
    for (const [name, member] of Object.entries(members)) {
      if (name === 'namespace') continue;
      all.push({ name: `${group}.${name}`, action: member as CallbackAction, namespace: members.namespace });
    }
  }
  for (const methodId of TOP_UP_METHOD_IDS) {
    for (const [name, action] of Object.entries(topUpCallbacks(methodId))) {
      all.push({ name: `topUpCallbacks(${methodId}).${name}`, action: action as CallbackAction, namespace: topUpNamespace });
    }
  }
  return all;
}

/** The action's fields at their longest: the longest ids `newId` makes, the most digits, the longest word. */
function longestValues(action: CallbackAction): Record<string, unknown> {
  return Object.fromEntries(Object.entries(action.fields).map(([name, field]) => [name, field.longest]));
}

const all = everyAction();

describe('callback data', () => {
  it.each(all.map((d) => [d.name, d] as const))('%s round-trips within 64 bytes with its longest values', (_, { action }) => {
    const values = longestValues(action);
    const data = (action.pack as (values: Record<string, unknown>) => string)(values);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(MAX_CALLBACK_BYTES);
    expect(action.filter.test(data)).toBe(true);
    expect(action.parse(data)).toEqual(values);
  });

  it('gives every action a prefix of its own, so a button is read by exactly the action that wrote it', () => {
    const prefixes = all.map((d) => d.action.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    for (const { name, action } of all) {
      const data = (action.pack as (values: Record<string, unknown>) => string)(longestValues(action));
      const readers = all.filter((other) => other.action.parse(data) !== undefined).map((other) => other.name);
      expect(readers, data).toEqual([name]);
    }
  });

  it('keeps every action inside its own namespace and the namespaces apart', () => {
    const namespaces = [...new Set(all.map((d) => d.namespace))];
    expect(new Set(namespaces.map((n) => n.name)).size).toBe(namespaces.length);
    for (const { action, namespace: own } of all) {
      const data = (action.pack as (values: Record<string, unknown>) => string)(longestValues(action));
      expect(
        namespaces.filter((n) => n.owns(data)).map((n) => n.name),
        data,
      ).toEqual([own.name]);
    }
  });

  it('reads the buttons of messages sent before the definitions existed', () => {
    const {
      menuCallbacks,
      orderCallbacks,
      walletCallbacks,
      proxyCallbacks,
      operatorCallbacks,
      languageCallbacks,
      buyCallbacks,
      tokenFlowCallbacks,
    } = CALLBACK_GROUPS;
    const quoteId = newId('q');
    expect(menuCallbacks.main.parse('m:main')).toEqual({});
    expect(orderCallbacks.confirm.parse(`o:ok:${quoteId}`)).toEqual({ quoteId });
    expect(walletCallbacks.history.parse('w:h')).toEqual({});
    expect(walletCallbacks.history.parse('w:h:42')).toEqual({ before: 42 });
    expect(proxyCallbacks.autoRenew.parse('p:ar:px_abc234:1')).toEqual({ subscriptionId: 'px_abc234', on: true });
    expect(proxyCallbacks.autoRenew.parse('p:ar:px_abc234:0')).toEqual({ subscriptionId: 'px_abc234', on: false });
    expect(operatorCallbacks.manualRejectFor.parse('op:mrr:tu_abc:ad')).toEqual({ topUpId: 'tu_abc', reason: 'ad' });
    expect(languageCallbacks.choose.parse('l:ru')).toEqual({ language: 'ru' });
    expect(buyCallbacks.unavailable.parse('b:x:proxy-ipv4')).toEqual({ item: 'proxy-ipv4' });
    expect(buyCallbacks.unavailable.parse('b:x:3')).toEqual({ item: '3' });
    expect(tokenFlowCallbacks.scope.parse('tc:s:write')).toEqual({ scope: 'write' });
    expect(topUpCallbacks('stars').amount.parse('top:stars:a:2500')).toEqual({ cents: 2500 });
    expect(topUpCallbacks('cryptopay').check.parse('top:cryptopay:chk:tu_k3j5')).toEqual({ topUpId: 'tu_k3j5' });
    // And writes them the same way.
    expect(orderCallbacks.confirm.pack({ quoteId })).toBe(`o:ok:${quoteId}`);
    expect(walletCallbacks.history.pack({ before: 7 })).toBe('w:h:7');
    expect(proxyCallbacks.list.pack({ page: 0 })).toBe('p:l:0');
    expect(topUpCallbacks('manual').open.pack()).toBe('top:manual');
  });

  it('reads ids only in the id alphabet, and only for the action that names them', () => {
    const { orderCallbacks, operatorCallbacks } = CALLBACK_GROUPS;
    expect(orderCallbacks.formats.parse('o:fmt:ord_ABC')).toBeUndefined();
    expect(orderCallbacks.formats.parse('o:fmt:ord_ab1')).toBeUndefined();
    expect(orderCallbacks.formats.parse('o:fmt:tu_abc')).toBeUndefined();
    expect(orderCallbacks.confirm.parse('o:ok:q_abc:extra')).toBeUndefined();
    const orderId = newId('ord');
    expect(orderIdOfOperatorCallback(operatorCallbacks.orderDeliverConfirmed.pack({ orderId }))).toBe(orderId);
    expect(orderIdOfOperatorCallback(operatorCallbacks.manualConfirm.pack({ topUpId: newId('tu') }))).toBeUndefined();
  });

  it('refuses to pack what would not read back or what Telegram would refuse', () => {
    const provider = CALLBACK_GROUPS.buyCallbacks.provider;
    expect(() => provider.pack({ providerId: 'has:colon' })).toThrow(/would not read back/);
    expect(() => CALLBACK_GROUPS.orderCallbacks.confirm.pack({ quoteId: 'ord_abc' })).toThrow(/would not read back/);
    const tooLong = defineCallback('x', { name: slug(70) });
    expect(() => tooLong.pack({ name: 'a'.repeat(70) })).toThrow(/over Telegram's 64/);
    expect(() => topUpCallbacks('Not Safe')).toThrow(/callback-safe/);
    expect(() => namespace('z').action('a', { first: { ...slug(3), optional: true }, second: slug(3) })).toThrow(
      /optional fields must come last/,
    );
  });
});
