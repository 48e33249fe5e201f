import { describe, expect, it } from 'vitest';
import { translateProductName } from '../../src/bot/product-names.js';

describe('product names in the customer language', () => {
  it('translates the names our adapters build and the upstream words they carry', () => {
    expect(translateProductName('ru', 'Private IPv4 proxies')).toBe('Приватные IPv4-прокси');
    expect(translateProductName('ru', 'Datacenter proxies, shared')).toBe('Прокси дата-центров, общие');
    expect(translateProductName('ru', 'NodeMaven residential proxies, pay per GB')).toBe('NodeMaven резидентные прокси, оплата за ГБ');
    expect(translateProductName('ru', 'Residential Lite (per GB)')).toBe('Резидентные Lite (за ГБ)');
    expect(translateProductName('ru', 'Dedicated ISP (30 days)')).toBe('Выделенные ISP (30 дн.)');
    expect(translateProductName('ru', 'Shared ISP, 100 Mbps (per day)')).toBe('Общие ISP, 100 Mbps (посуточно)');
  });

  it('leaves English and unknown names as the upstream wrote them', () => {
    expect(translateProductName('en', 'Private IPv4 proxies')).toBe('Private IPv4 proxies');
    expect(translateProductName('ru', 'Premium Pool X')).toBe('Premium Pool X');
  });
});
