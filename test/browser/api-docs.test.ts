/**
 * The API docs page in a real browser, offline: headless Debian Chromium
 * opens /docs with every request to anywhere but the app refused, and
 * Swagger UI renders every path of the OpenAPI document.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { startApi, type ApiHarness } from '../api/harness.js';

let api: ApiHarness;
let browser: Browser;

beforeAll(async () => {
  api = await startApi();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

describe('the API docs page', () => {
  it('renders every documented path with no request leaving the app', async () => {
    const document = (await (await fetch(`${api.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, object> };
    const paths = Object.keys(document.paths);
    expect(paths.length).toBeGreaterThanOrEqual(15);

    const page = await browser.newPage();
    const outside: string[] = [];
    // As on a machine with no internet: anything not served by the app fails, and is recorded.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(api.url) || url.startsWith('data:')) return route.continue();
      outside.push(url);
      return route.abort('internetdisconnected');
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${api.url}/docs`);

    const rendered = async () =>
      new Set(await page.locator('.opblock-summary-path[data-path]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-path'))));
    const missing = async () => {
      const shown = await rendered();
      return paths.filter((p) => !shown.has(p));
    };
    await expect.poll(missing, { timeout: 15_000 }).toEqual([]);
    expect(await page.locator('.info .title').textContent()).toContain('Proxy Storefront API');
    // The bearer token scheme is offered in the page's Authorize dialog.
    expect(await page.locator('.btn.authorize').count()).toBeGreaterThan(0);
    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 30_000);
});
