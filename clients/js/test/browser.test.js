// The demo page and the client in a real Chromium (Debian's /usr/bin/chromium, driven by playwright-core),
// against a real gateway and demo backend with 10-second access tokens. Three origins take part:
//   http://127.0.0.1:<gateway>  the gateway, serving the demo page and /bff-client.js
//   http://localhost:<second>   an app on another origin that uses the gateway through CORS (trusted)
//   http://127.0.0.1:<third>    an attacker's page: same site as the gateway (so Lax cookies ride along), untrusted
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { repoRoot, startGateway, startStaticServer, waitFor } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(repoRoot, 'target/e2e');

let gw;
let second;
let third;
let browser;
let gatewayPort;

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  // The second origin's page: the app of docs/client.md, loading the client from the gateway.
  second = await startStaticServer({
    '/': { type: 'text/html', body: () => secondOriginPage() },
  });
  third = await startStaticServer({
    '/login-csrf': { type: 'text/html', body: () => loginCsrfPage() },
    '/post-csrf': { type: 'text/html', body: '<!doctype html><title>attacker</title><p>attacker</p>' },
  });
  const trusted = `http://localhost:${second.port}`;
  gw = await startGateway({
    config: () => ({
      web: { root: process.env.BFF_E2E_WEB_ROOT ?? 'demo' },
      cors: { allowedOrigins: [trusted] },
      csrf: { trustedOrigins: [trusted] },
    }),
  });
  gatewayPort = gw.port;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Playwright gives every launch a fresh temporary user data dir (profile) of its own.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  await second?.close();
  await third?.close();
});

function secondOriginPage() {
  return `<!doctype html><meta charset="utf-8"><title>second origin</title><p>An app on another origin</p>
<script type="module">
  const query = new URLSearchParams(location.search);
  const gateway = 'http://' + query.get('gateway');
  const lib = await import(gateway + '/bff-client.js');
  window.lib = lib;
  window.client = lib.createClient({ baseUrl: gateway, mode: query.get('mode') ?? 'token' });
  document.body.dataset.ready = 'yes';
</script>`;
}

function loginCsrfPage() {
  // Login CSRF: a form on the attacker's page signs the visitor in to the attacker's account.
  return `<!doctype html><meta charset="utf-8"><title>attacker</title>
<form id="f" method="POST" action="http://127.0.0.1:${gatewayPort}/auth/credentials">
  <input name="userName" value="bob"><input name="password" value="builder">
</form>
<script>document.getElementById('f').submit()</script>`;
}

/** A fresh browser context (its own cookies, like a new browser) with one page, recording requests. */
async function newSession({ viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(15_000);
  const requests = [];
  context.on('request', (request) => requests.push(request));
  const errors = [];
  context.on('page', (p) => p.on('pageerror', (error) => errors.push(error)));
  const page = await context.newPage();
  // Closing checks that no page threw an uncaught error along the way.
  const close = async () => {
    await context.close();
    assert.deepEqual(errors.map(String), [], 'uncaught errors in the page');
  };
  return { context, page, requests, close };
}

const refreshRequests = (requests) => requests.filter((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/access-token');

async function openDemo(page) {
  await page.goto(`${gw.url}/`);
  await page.waitForFunction(() => document.body.dataset.state === 'signedIn' || document.body.dataset.state === 'signedOut');
}

async function signIn(page, user = 'alice', password = 'wonderland') {
  await openDemo(page);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'signedOut');
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('#signin-button');
  await page.waitForFunction(() => document.body.dataset.state === 'signedIn');
}

async function callApiFromPage(page) {
  await page.click('#call-api');
  await page.waitForFunction(() => /→ \d{3}/.test(document.getElementById('api-status').textContent));
  return page.textContent('#api-status');
}

describe('the demo page in Chromium', () => {
  test('sign in; the cookies are HttpOnly; the API echoes the verified claims; screenshots', async () => {
    const { context, page, close } = await newSession();
    try {
      await signIn(page);
      assert.equal(await page.textContent('#user-name'), 'Alice Liddell (alice)');

      const visible = await page.evaluate(() => document.cookie);
      assert.doesNotMatch(visible, /ss-tok|ss-reftok/, 'document.cookie must not show the token cookies');
      const stored = await context.cookies(gw.url);
      const byName = Object.fromEntries(stored.map((c) => [c.name, c]));
      assert.ok(byName['ss-tok']?.httpOnly && byName['ss-reftok']?.httpOnly, 'both cookies exist, HttpOnly');
      assert.equal(byName['ss-reftok'].sameSite, 'Lax');
      const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
      assert.equal(storage, '{}{}', 'nothing in web storage');

      assert.match(await callApiFromPage(page), /GET \/api\/hello → 200/);
      // Every row under "Claims the backend verified" is a claim: none is a gateway error such as a 404.
      const rows = await page.$$eval('#claims-list dd', (dds) => dds.map((dd) => dd.dataset.claim ?? `not a claim: ${dd.textContent}`));
      assert.ok(rows.includes('sub') && rows.includes('iss'), rows.join(', '));
      assert.deepEqual(rows.filter((row) => row.startsWith('not a claim')), []);
      assert.equal(await page.textContent('[data-claim="preferred_username"]'), 'alice');
      assert.equal(await page.textContent('[data-claim="roles"]'), 'Admin');
      const echo = JSON.parse(await page.textContent('#api-result'));
      assert.equal(echo.token.verified, true);
      assert.equal(echo.headers.authorization, `Bearer ${await page.evaluate(() => demo.client.accessToken)}`);
      assert.equal(echo.headers.cookie, undefined, 'the gateway strips its cookies before the upstream');

      // A path without a route: the 404 is the status line's, and no claims are shown for it.
      await page.fill('#api-path', '/nowhere');
      assert.match(await callApiFromPage(page), /GET \/nowhere → 404/);
      assert.equal(await page.isHidden('#api-claims'), true, 'no claims panel under an error');
      await page.fill('#api-path', '/api/hello');
      assert.match(await callApiFromPage(page), /GET \/api\/hello → 200/);
      assert.equal(await page.isVisible('#api-claims'), true);

      // The countdown runs.
      const countdown = await page.textContent('#token-countdown');
      assert.match(countdown, /^\d+\.\d s$/);
      await page.waitForFunction((before) => document.getElementById('token-countdown').textContent !== before, countdown);

      await page.waitForSelector('#device-list li .pill.current');
      await page.screenshot({ path: path.join(ARTIFACTS, 'demo-signed-in-laptop.png'), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling at phone width (${overflow}px too wide)`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'demo-signed-in-phone.png'), fullPage: true });
    } finally {
      await close();
    }
  });

  test('a wrong password shows the gateway\'s message; the signed-out page fits a phone', async () => {
    const { context, page, close } = await newSession({ viewport: { width: 390, height: 844 } });
    try {
      await openDemo(page);
      await page.click('.demo-user[data-user="carol"]');
      await page.waitForSelector('#signin-error:not([hidden])');
      assert.equal(await page.textContent('#signin-error'), 'Invalid Username or Password (HTTP 401)');
      assert.equal(await page.evaluate(() => document.body.dataset.state), 'signedOut');
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
      await page.screenshot({ path: path.join(ARTIFACTS, 'demo-signed-out-phone.png'), fullPage: true });
    } finally {
      await close();
    }
  });

  test('after the access token expires, ten calls at once make exactly one refresh, and all succeed', async () => {
    const { context, page, requests, close } = await newSession();
    try {
      await signIn(page, 'bob', 'builder');
      const first = await page.evaluate(() => demo.client.accessToken);
      // Waiting for the expiry itself is the one use of the clock: the browser drops ss-tok at its Max-Age.
      await waitFor(async () => !(await context.cookies(gw.url)).some((c) => c.name === 'ss-tok'),
        'the browser to drop the expired ss-tok cookie', { timeoutMs: 20_000, intervalMs: 200 });
      // The client's expiry starts when its script read the response, the cookie's when the browser took its
      // headers: a few milliseconds earlier, so the in-memory token expires just after the cookie, not with it.
      await waitFor(() => page.evaluate(() => Date.now() >= demo.client.expiresAt),
        'the in-memory token to expire within 2 s of the cookie', { timeoutMs: 2_000, intervalMs: 20 });
      await page.waitForSelector('#token-countdown:text("expired")');

      const start = requests.length;
      const echoes = await page.evaluate(() => Promise.all(Array.from({ length: 10 }, (_, i) => demo.client.getJson(`/api/ten/${i}`))));
      const during = requests.slice(start);
      assert.equal(refreshRequests(during).length, 1, 'exactly one POST /access-token');
      const api = during.filter((r) => new URL(r.url()).pathname.startsWith('/api/ten/'));
      assert.equal(api.length, 10, 'each call sent once: no 401, no retry');
      const token = await page.evaluate(() => demo.client.accessToken);
      assert.notEqual(token, first);
      for (const echo of echoes) {
        assert.equal(echo.token.verified, true);
        assert.equal(echo.headers.authorization, `Bearer ${token}`);
      }
      // Nor did the gateway refresh on its own (that would have rotated the cookie on an API response).
      for (const request of api) {
        const headers = await (await request.response()).headersArray();
        assert.ok(!headers.some((h) => h.name.toLowerCase() === 'set-cookie'), 'no cookie set by an API response');
      }
      assert.match(await callApiFromPage(page), /→ 200/);
      assert.equal(refreshRequests(requests.slice(start)).length, 1);
    } finally {
      await close();
    }
  });

  test('reload: the first call gets a new access token from the refresh cookie', async () => {
    const { context, page, requests, close } = await newSession();
    try {
      await signIn(page);
      const signedIn = requests.length;
      assert.match(await callApiFromPage(page), /→ 200/);
      assert.equal(refreshRequests(requests.slice(signedIn)).length, 0, 'a fresh token needs no refresh');
      const before = await page.evaluate(() => demo.client.accessToken);
      const start = requests.length;
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.state === 'signedIn');
      assert.equal(refreshRequests(requests.slice(start)).length, 1, 'one refresh on the first need');
      const after = await page.evaluate(() => demo.client.accessToken);
      assert.ok(after && after !== before);
      assert.match(await callApiFromPage(page), /→ 200/);
      assert.equal(await page.textContent('[data-claim="preferred_username"]'), 'alice');
      assert.equal(refreshRequests(requests.slice(start)).length, 1, 'the API call needed no other refresh');
    } finally {
      await close();
    }
  });

  test('two tabs: refreshes are shared and never log the other out; logout in one logs out both', async () => {
    const { context, page: tab1, requests, close } = await newSession();
    try {
      await signIn(tab1);
      const tab2 = await context.newPage();
      await openDemo(tab2);
      assert.equal(await tab2.evaluate(() => document.body.dataset.state), 'signedIn', 'tab 2 is signed in from the cookie');

      // Tab 1 refreshes: tab 2 receives the new token by broadcast and keeps working.
      // (Tab 2's own refresh at load has reached tab 1 already.)
      const old = await waitFor(async () => {
        const [a, b] = await Promise.all([tab1.evaluate(() => demo.client.accessToken), tab2.evaluate(() => demo.client.accessToken)]);
        return a === b && a;
      }, 'both tabs to hold the same token');
      let start = requests.length;
      await tab1.click('#refresh-now');
      const token1 = await waitFor(async () => {
        const [a, b] = await Promise.all([tab1.evaluate(() => demo.client.accessToken), tab2.evaluate(() => demo.client.accessToken)]);
        return a === b && a !== old && a;
      }, 'tab 2 to get tab 1\'s new token');
      assert.equal(refreshRequests(requests.slice(start)).length, 1);
      assert.match(await callApiFromPage(tab2), /→ 200/);
      assert.equal(await tab2.textContent('[data-claim="jti"]'), JSON.parse(atob(token1.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).jti);

      // Both tabs refresh at the same moment. Tab 1's refresh is held at the network until tab 2 is waiting
      // for the lock; then tab 2 takes the token tab 1 got instead of refreshing again.
      start = requests.length;
      let released = false;
      await context.route('**/access-token', async (route) => {
        if (!released) {
          await waitFor(async () => (await tab1.evaluate(async () => (await navigator.locks.query()).pending.length)) > 0,
            'tab 2 to wait for the refresh lock');
          released = true;
        }
        await route.continue();
      });
      const [t1, t2] = await Promise.all([tab1.evaluate(() => demo.client.refresh()), tab2.evaluate(() => demo.client.refresh())]);
      await context.unroute('**/access-token');
      assert.ok(released);
      assert.equal(refreshRequests(requests.slice(start)).length, 1, 'one refresh for two tabs');
      assert.equal(t1, t2);
      assert.match(await callApiFromPage(tab1), /→ 200/);
      assert.match(await callApiFromPage(tab2), /→ 200/);

      // Tab 2 logs out: tab 1 shows it at once, and its calls are refused.
      await tab2.click('#logout');
      await tab2.waitForFunction(() => document.body.dataset.state === 'signedOut');
      await tab1.waitForFunction(() => document.body.dataset.state === 'signedOut');
      assert.equal(await tab1.textContent('#signed-out-notice'), 'You logged out in another tab.');
      assert.equal(await tab1.evaluate(() => demo.client.accessToken), null);
      const status = await tab1.evaluate(async () => (await demo.client.fetch('/api/after-logout')).status);
      assert.equal(status, 401);
    } finally {
      await close();
    }
  });

  test('logout: the API answers 401 and the old refresh token is refused', async () => {
    const { context, page, close } = await newSession();
    try {
      await signIn(page);
      const refreshCookie = (await context.cookies(gw.url)).find((c) => c.name === 'ss-reftok');
      await page.click('#logout');
      await page.waitForFunction(() => document.body.dataset.state === 'signedOut');
      assert.deepEqual((await context.cookies(gw.url)).map((c) => c.name), [], 'cookies cleared');
      const plain = await page.evaluate(async () => (await fetch('/api/x')).status);
      assert.equal(plain, 401);
      const viaClient = await page.evaluate(() => demo.client.getJson('/api/x').then(() => 'ok', (e) => `${e.name} ${e.status}`));
      assert.equal(viaClient, 'AuthenticationRequiredError 401');
      // A copy of the refresh cookie from before the logout is dead: its family was revoked.
      await context.addCookies([refreshCookie]);
      const refresh = await page.evaluate(async () => (await fetch('/access-token', { method: 'POST' })).status);
      assert.equal(refresh, 401);
      const viaRefresh = await page.evaluate(() => demo.client.refresh().then(() => 'ok', (e) => e.name));
      assert.equal(viaRefresh, 'AuthenticationRequiredError');
    } finally {
      await close();
    }
  });

  test('my devices: a second sign-in shows up and can be ended from the first', async () => {
    const laptop = await newSession();
    const phone = await newSession();
    try {
      await signIn(phone.page, 'bob', 'builder');
      await signIn(laptop.page, 'bob', 'builder');
      const phoneId = await phone.page.evaluate(async () => (await demo.client.listSessions()).find((s) => s.current).id);
      await laptop.page.click('#load-devices');
      const phoneItem = laptop.page.locator(`#device-list li[data-id="${phoneId}"]`);
      await phoneItem.waitFor();
      assert.equal(await phoneItem.locator('.pill.current').count(), 0);
      assert.equal(await laptop.page.locator('#device-list .pill.current').count(), 1);
      await phoneItem.locator('button.revoke').click();
      await phoneItem.waitFor({ state: 'detached' });
      // The phone's refresh token is dead now.
      const result = await phone.page.evaluate(() => demo.client.refresh().then(() => 'ok', (e) => e.name));
      assert.equal(result, 'AuthenticationRequiredError');
      await phone.page.waitForFunction(() => document.body.dataset.state === 'signedOut');
    } finally {
      await laptop.close();
      await phone.close();
    }
  });
});

describe('other origins', () => {
  // The same two tests against the gateway above (cookies.sameSite Lax, the default) and one with Strict.
  let strict;
  before(async () => {
    const trusted = `http://localhost:${second.port}`;
    strict = await startGateway({ config: () => ({ cookies: { sameSite: 'Strict' }, cors: { allowedOrigins: [trusted] }, csrf: { trustedOrigins: [trusted] } }) });
  });
  after(async () => { await strict?.stop(); });

  for (const sameSite of ['Lax', 'Strict']) {
    const port = () => (sameSite === 'Lax' ? gatewayPort : strict.port);

    test(`SameSite=${sameSite}: cross-site app (localhost → 127.0.0.1) with CORS: sign-in and Bearer calls work, the SameSite cookies do not`, async () => {
      const { context, page, requests, close } = await newSession();
      try {
        await page.goto(`http://localhost:${second.port}/?gateway=127.0.0.1:${port()}`);
        await page.waitForFunction(() => document.body.dataset.ready === 'yes');
        const user = await page.evaluate(async () => (await client.login('alice', 'wonderland')).userName);
        assert.equal(user, 'alice');
        const login = requests.find((r) => r.url().endsWith('/auth/credentials'));
        assert.equal((await login.allHeaders())['sec-fetch-site'], 'cross-site');
        const setCookies = (await (await login.response()).headersArray()).filter((h) => h.name.toLowerCase() === 'set-cookie');
        assert.ok(setCookies.some((h) => h.value.startsWith('ss-reftok=') && h.value.includes(`SameSite=${sameSite}`)), 'the gateway did send the cookies');
        const echo = await page.evaluate(() => client.getJson('/api/from-another-site'));
        assert.equal(echo.token.verified, true);
        assert.equal(echo.headers.authorization?.startsWith('Bearer '), true);
        // Chromium refuses SameSite=Lax (or Strict) cookies from a cross-site response: no refresh cookie, so
        // once the access token expires the user must sign in again. Hence: serve the app from the same site.
        assert.deepEqual((await context.cookies(`http://127.0.0.1:${port()}`)).map((c) => c.name), []);
        const refresh = await page.evaluate(() => client.refresh().then(() => 'ok', (e) => `${e.name} ${e.status}`));
        assert.equal(refresh, 'AuthenticationRequiredError 401');
      } finally {
        await close();
      }
    });

    test(`SameSite=${sameSite}: same-site app on another port (localhost → localhost) with CORS and credentials: everything works`, async () => {
      const { context, page, requests, close } = await newSession();
      try {
        await page.goto(`http://localhost:${second.port}/?gateway=localhost:${port()}&mode=cookie`);
        await page.waitForFunction(() => document.body.dataset.ready === 'yes');
        assert.equal(await page.evaluate(async () => (await client.login('alice', 'wonderland')).userName), 'alice');
        const login = requests.find((r) => r.url().endsWith('/auth/credentials'));
        assert.equal((await login.allHeaders())['sec-fetch-site'], 'same-site');
        const cookies = (await context.cookies(`http://localhost:${port()}`)).map((c) => c.name).sort();
        assert.deepEqual(cookies, ['ss-reftok', 'ss-tok']);
        assert.ok((await context.cookies(`http://localhost:${port()}`)).every((c) => c.sameSite === sameSite && c.httpOnly));
        assert.doesNotMatch(await page.evaluate(() => document.cookie), /ss-/);

        // Cookie mode: no Authorization header, the cookies authenticate the CORS request.
        const echo = await page.evaluate(() => client.getJson('/api/same-site'));
        assert.equal(echo.token.verified, true);
        const call = requests.find((r) => r.url().endsWith('/api/same-site'));
        assert.equal((await call.allHeaders()).authorization, undefined);
        // A refresh rotates the cookie, and an unsafe request with the cookies passes the CSRF rule (trusted).
        const before = (await context.cookies(`http://localhost:${port()}`)).find((c) => c.name === 'ss-reftok').value;
        await page.evaluate(() => client.refresh());
        const afterRefresh = (await context.cookies(`http://localhost:${port()}`)).find((c) => c.name === 'ss-reftok').value;
        assert.notEqual(afterRefresh, before);
        const posted = await page.evaluate(() => client.postJson('/api/orders', { item: 1 }));
        assert.equal(posted.method, 'POST');
        assert.equal(posted.token.verified, true);
        const sessions = await page.evaluate(() => client.listSessions());
        assert.equal(sessions.filter((s) => s.current).length, 1);
        await page.evaluate(() => client.logout());
        assert.deepEqual(await context.cookies(`http://localhost:${port()}`), []);
      } finally {
        await close();
      }
    });
  }

  test('a page of a third, untrusted origin is refused by the CSRF rule even though the cookies ride along', async () => {
    const { context, page: app, requests, close } = await newSession();
    try {
      const attacker = await context.newPage();
      await attacker.goto(`http://127.0.0.1:${third.port}/post-csrf`);
      const post = (url) => Promise.all([
        attacker.waitForResponse((r) => r.url() === url),
        attacker.evaluate((u) => fetch(u, { method: 'POST', mode: 'no-cors', credentials: 'include', body: 'item=1',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }).catch(() => {}), url),
      ]).then(([response]) => response.status());
      // Control: before the user signs in there are no cookies to ride along, and /api (auth: required)
      // answers 401 to the anonymous request; the CSRF rule only concerns cookie-authenticated ones.
      assert.equal(await post(`${gw.url}/api/orders`), 401);

      await signIn(app);
      // 127.0.0.1:<third> is the same site as the gateway, so SameSite=Lax lets the cookies go along: the
      // request is cookie-authenticated now, and only the gateway's Sec-Fetch-Site check stands in the way.
      assert.equal(await post(`${gw.url}/api/orders`), 403);

      // The same for logging the user out from the attacker's page.
      assert.equal(await post(`${gw.url}/auth/logout`), 403);
      assert.match(await app.evaluate(() => demo.client.refresh()), /^ey/, 'the sign-in is intact: it still refreshes');

      // Login CSRF: a form that posts the attacker's credentials is refused, and the user stays alice.
      await attacker.goto(`http://127.0.0.1:${third.port}/login-csrf`);
      await attacker.waitForURL(`${gw.url}/auth/credentials`);
      assert.match(await attacker.textContent('body'), /Cross-site request refused/);
      const form = requests.filter((r) => r.url() === `${gw.url}/auth/credentials`).at(-1);
      assert.equal((await form.response()).status(), 403);
      assert.equal(await app.evaluate(async () => (await demo.client.currentUser()).userName), 'alice');
    } finally {
      await close();
    }
  });
});
