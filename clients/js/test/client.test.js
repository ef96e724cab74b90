// The client's logic against a real gateway and demo backend: sign-in, single-flight refresh, retry once,
// error types, cross-"tab" sharing. Node's fetch keeps no cookies, so each test gives the client a fetch
// with a cookie jar (harness.cookieFetch): one jar is one browser, several clients on one jar are its tabs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AuthenticationRequiredError, BffError, CrossSiteRequestError, HttpError, LoginError, NetworkError, createClient,
} from '../bff-client.js';
import { cookieFetch, startGateway, startServer, waitFor } from './harness.js';

let gw;
before(async () => { gw = await startGateway(); });
after(async () => { await gw?.stop(); });

let channelCount = 0;
function newClient(options = {}) {
  const fetch = options.fetch ?? cookieFetch();
  // Each test gets channels of its own, so that clients of different tests never talk to each other.
  const client = createClient({ baseUrl: gw.url, fetch, channelName: options.channelName ?? `test-${++channelCount}`, ...options });
  clients.push(client);
  return { client, fetch, log: fetch.log, jar: fetch.jar };
}
const clients = [];
after(() => clients.forEach((c) => c.close()));

const count = (log, method, path) => log.filter((e) => e.method === method && e.path === path).length;
const refreshes = (log) => count(log, 'POST', '/access-token');

describe('sign-in', () => {
  test('signs in, keeps the access token in memory, and calls the API with Bearer', async () => {
    const { client, log, jar } = newClient();
    assert.equal(client.state, 'unknown');
    const body = await client.login('alice', 'wonderland');
    assert.equal(body.userName, 'alice');
    assert.equal(client.state, 'signedIn');
    assert.match(client.accessToken, /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(client.accessToken, body.bearerToken);
    assert.deepEqual(client.user, { userId: '1', userName: 'alice', displayName: 'Alice Liddell', roles: ['Admin'], permissions: ['orders.read', 'orders.write'] });
    assert.equal(client.claims.sub, '1');
    const ttl = client.expiresAt - Date.now();
    assert.ok(ttl > 5_000 && ttl <= 10_000, `expiresAt is the token's 10 s lifetime away, got ${ttl} ms`);
    assert.ok(jar.has('ss-reftok') && jar.has('ss-tok'), 'the gateway set both cookies');

    const echo = await client.getJson('/api/hello');
    assert.equal(echo.path, '/hello');
    assert.equal(echo.token.verified, true);
    assert.equal(echo.token.claims.preferred_username, 'alice');
    const apiCall = log.find((e) => e.path === '/api/hello');
    assert.equal(apiCall.authorization, `Bearer ${client.accessToken}`);
    assert.equal(refreshes(log), 0);
  });

  test('a wrong password rejects with LoginError and leaves the client signed out', async () => {
    const { client } = newClient();
    await assert.rejects(client.login('alice', 'nope'), (error) => {
      assert.ok(error instanceof LoginError && error instanceof HttpError && error instanceof BffError);
      assert.equal(error.status, 401);
      assert.equal(error.errorCode, 'Unauthorized');
      assert.equal(error.message, 'Invalid Username or Password');
      return true;
    });
    assert.equal(client.accessToken, null);
    assert.notEqual(client.state, 'signedIn');
  });

  test('missing fields reject with LoginError 400 and the field errors', async () => {
    const { client } = newClient();
    await assert.rejects(client.login('', ''), (error) => {
      assert.ok(error instanceof LoginError);
      assert.equal(error.status, 400);
      assert.deepEqual(error.responseStatus.errors.map((e) => e.fieldName), ['UserName', 'Password']);
      return true;
    });
  });

  test('a sign-in from another site is refused by the CSRF rule: CrossSiteRequestError', async () => {
    const { client } = newClient({ headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' } });
    await assert.rejects(client.login('alice', 'wonderland'), (error) => {
      assert.ok(error instanceof CrossSiteRequestError, error.name);
      assert.equal(error.status, 403);
      return true;
    });
  });

  test('no gateway: NetworkError', async () => {
    const dead = await startServer(() => {});
    const url = `http://127.0.0.1:${dead.port}`;
    await dead.close();
    const client = createClient({ baseUrl: url, crossTab: false });
    await assert.rejects(client.login('alice', 'wonderland'), NetworkError);
    await assert.rejects(client.getJson('/api/x'), NetworkError);
  });

  test('a status other than 2xx rejects with HttpError carrying the responseStatus', async () => {
    const { client } = newClient();
    await client.login('bob', 'builder');
    await assert.rejects(client.getJson('/nowhere'), (error) => {
      assert.equal(error.constructor, HttpError);
      assert.equal(error.status, 404);
      assert.equal(error.errorCode, 'NotFound');
      return true;
    });
  });
});

describe('refresh', () => {
  test('ten concurrent 401s share one refresh, and each request is retried once (cookie mode)', async () => {
    // Hold every 401 until all ten have arrived, so that none can see a refresh that another one finished.
    const browser = cookieFetch();
    let held = [];
    const fetch = async (input, init) => {
      const response = await browser(input, init);
      if (response.status !== 401) return response;
      await new Promise((resolve) => {
        held.push(resolve);
        if (held.length === 10) { held.forEach((r) => r()); held = []; }
      });
      return response;
    };
    fetch.log = browser.log;
    fetch.jar = browser.jar;
    const { client, log, jar } = newClient({ mode: 'cookie', fetch });
    await client.login('alice', 'wonderland');
    // The browser drops ss-tok when its Max-Age runs out; GET /auth does not refresh by itself.
    jar.delete('ss-tok');
    const before = log.length;
    const users = await Promise.all(Array.from({ length: 10 }, () => client.getJson('/auth')));
    assert.ok(users.every((u) => u.userName === 'alice'));
    const calls = log.slice(before);
    assert.equal(refreshes(calls), 1, 'one refresh for ten 401s');
    assert.equal(count(calls, 'GET', '/auth'), 20, 'each request: the 401, then one retry');
    assert.equal(calls.filter((e) => e.path === '/auth' && e.status === 401).length, 10);
    assert.ok(calls.every((e) => e.authorization === null), 'cookie mode sends no Authorization');
  });

  test('token mode: after expiry, ten concurrent calls make exactly one refresh and all carry the new token', async () => {
    const { client, log } = newClient();
    await client.login('bob', 'builder');
    const first = client.accessToken;
    // The one wait on the clock in these tests: the token must really come due (10 s lifetime, 2.5 s margin).
    await waitFor(() => Date.now() >= client.expiresAt - 2_500, 'the access token to come due', { timeoutMs: 15_000, intervalMs: 100 });
    const before = log.length;
    const echoes = await Promise.all(Array.from({ length: 10 }, (_, i) => client.getJson(`/api/n/${i}`)));
    const calls = log.slice(before);
    assert.equal(refreshes(calls), 1);
    assert.equal(calls.indexOf(calls.find((e) => e.path === '/access-token')), 0, 'the refresh comes first');
    assert.notEqual(client.accessToken, first);
    assert.ok(echoes.every((e) => e.token.verified && e.headers.authorization === `Bearer ${client.accessToken}`));
    assert.equal(calls.filter((e) => e.status === 401).length, 0, 'no request was sent with the expired token');
  });

  test('a request that still gets 401 after the refresh is retried only once, then AuthenticationRequiredError', async () => {
    const { client, log } = newClient();
    await client.login('alice', 'wonderland');
    const before = log.length;
    // A caller-supplied Authorization is kept as it is: here a token the gateway refuses, on an endpoint that
    // never refreshes by itself, so the retry fails as well.
    const init = { headers: { Authorization: 'Bearer not-a-token' } };
    await assert.rejects(client.getJson('/auth', init), (error) => {
      assert.ok(error instanceof AuthenticationRequiredError);
      assert.equal(error.status, 401);
      return true;
    });
    const calls = log.slice(before);
    assert.equal(count(calls, 'GET', '/auth'), 2, 'the request and one retry');
    assert.equal(refreshes(calls), 1);
  });

  test('onAuthenticationRequired is called and fetch resolves with the 401 instead of rejecting', async () => {
    const seen = [];
    const { client, log } = newClient({ onAuthenticationRequired: (response) => seen.push(response.status) });
    const response = await client.fetch('/api/private');
    assert.equal(response.status, 401);
    assert.deepEqual(seen, [401]);
    assert.equal(client.state, 'signedOut');
    // Nobody signed in: one refresh attempt (401), the request once, and no pointless second refresh.
    assert.equal(refreshes(log), 1);
    assert.equal(count(log, 'GET', '/api/private'), 1);
    // getJson still rejects, after calling the handler.
    await assert.rejects(client.getJson('/api/private'), AuthenticationRequiredError);
    assert.deepEqual(seen, [401, 401]);
  });

  test('after a "reload" (a new client, same cookies) the first call gets a token from the refresh cookie', async () => {
    const browser = cookieFetch();
    const { client: before } = newClient({ fetch: browser, crossTab: false });
    await before.login('alice', 'wonderland');
    browser.jar.delete('ss-tok');
    const { client: reloaded } = newClient({ fetch: browser, crossTab: false });
    assert.equal(reloaded.accessToken, null);
    const start = browser.log.length;
    const echo = await reloaded.getJson('/api/me');
    const calls = browser.log.slice(start);
    assert.deepEqual(calls.map((e) => `${e.method} ${e.path} ${e.status}`), ['POST /access-token 200', 'GET /api/me 200']);
    assert.equal(echo.token.claims.sub, '1');
    assert.equal(reloaded.user.userName, 'alice');
    assert.equal(reloaded.user.displayName, 'Alice Liddell');
  });

  test('refresh() rotates the refresh cookie and returns the new token', async () => {
    const { client, jar } = newClient();
    await client.login('bob', 'builder');
    const cookie = jar.get('ss-reftok');
    const token = await client.refresh();
    assert.equal(token, client.accessToken);
    assert.notEqual(jar.get('ss-reftok'), cookie, 'rotated');
  });

  test('currentUser() answers null without a sign-in, and does not call the handler', async () => {
    let called = 0;
    const { client } = newClient({ onAuthenticationRequired: () => { called++; } });
    assert.equal(await client.currentUser(), null);
    assert.equal(called, 0);
    await client.login('bob', 'builder');
    assert.equal((await client.currentUser()).userName, 'bob');
  });
});

describe('logout and devices', () => {
  test('logout: the API answers 401 and a refresh fails', async () => {
    const { client, jar } = newClient();
    await client.login('alice', 'wonderland');
    const stolen = jar.get('ss-reftok');
    await client.logout();
    assert.equal(client.accessToken, null);
    assert.equal(client.state, 'signedOut');
    assert.equal(jar.has('ss-reftok'), false, 'cookies cleared');
    await assert.rejects(client.getJson('/api/x'), AuthenticationRequiredError);
    await assert.rejects(client.refresh(), AuthenticationRequiredError);
    // The revoked refresh token does not come back to life either.
    jar.set('ss-reftok', stolen);
    await assert.rejects(client.refresh(), AuthenticationRequiredError);
  });

  test('my devices: two sign-ins listed, one revoked', async () => {
    const phone = newClient();
    const laptop = newClient();
    await phone.client.login('bob', 'builder');
    await laptop.client.login('bob', 'builder');
    const sessions = await laptop.client.listSessions();
    const mine = sessions.filter((s) => s.current);
    assert.equal(mine.length, 1);
    const other = sessions.filter((s) => !s.current);
    assert.ok(other.length >= 1);
    const phoneSessions = await phone.client.listSessions();
    const phoneId = phoneSessions.find((s) => s.current).id;
    assert.deepEqual(await laptop.client.revokeSession(phoneId), {});
    assert.ok(!(await laptop.client.listSessions()).some((s) => s.id === phoneId));
    await assert.rejects(phone.client.refresh(), AuthenticationRequiredError);
    await assert.rejects(laptop.client.revokeSession('no-such-id'), (e) => e instanceof HttpError && e.status === 404);
  });
});

describe('tabs', () => {
  // A Web Locks stand-in for Node: one exclusive lock per name, granted in order.
  function fakeLocks() {
    const tails = new Map();
    return {
      request(name, callback) {
        const previous = tails.get(name) ?? Promise.resolve();
        const result = previous.then(() => callback());
        tails.set(name, result.catch(() => {}));
        return result;
      },
    };
  }

  test('a refresh in one tab reaches the other by broadcast; logout in one logs out both', async () => {
    const browser = cookieFetch();
    const channelName = `tabs-${++channelCount}`;
    const locks = fakeLocks();
    const a = newClient({ fetch: browser, channelName, locks }).client;
    const b = newClient({ fetch: browser, channelName, locks }).client;
    const bEvents = [];
    b.subscribe((e) => bEvents.push(`${e.type}/${e.source}`));
    await a.login('alice', 'wonderland');
    await waitFor(() => b.accessToken === a.accessToken, 'the sign-in to reach tab b');
    assert.equal(b.state, 'signedIn');
    assert.equal(b.user.userName, 'alice');

    const token = await a.refresh();
    await waitFor(() => b.accessToken === token, 'the new token to reach tab b');
    assert.equal((await b.getJson('/api/still-me')).token.claims.sub, '1');

    await b.logout();
    await waitFor(() => a.state === 'signedOut', 'the logout to reach tab a');
    assert.equal(a.accessToken, null);
    await assert.rejects(a.getJson('/api/x'), AuthenticationRequiredError);
    assert.deepEqual(bEvents.slice(0, 2), ['login/remote', 'token/remote']);
  });

  test('two tabs that need a refresh at once refresh once: the second waits for the lock and uses the first one\'s', async () => {
    const browser = cookieFetch();
    const channelName = `tabs-${++channelCount}`;
    const locks = fakeLocks();
    const a = newClient({ fetch: browser, channelName, locks, mode: 'cookie' }).client;
    const b = newClient({ fetch: browser, channelName, locks, mode: 'cookie' }).client;
    await a.login('bob', 'builder');
    await waitFor(() => b.state === 'signedIn', 'the sign-in to reach tab b');
    browser.jar.delete('ss-tok');
    const start = browser.log.length;
    const [ua, ub] = await Promise.all([a.getJson('/auth'), b.getJson('/auth')]);
    assert.equal(ua.userName, 'bob');
    assert.equal(ub.userName, 'bob');
    assert.equal(refreshes(browser.log.slice(start)), 1);
  });
});

describe('session mode (sessions.mode "session", pure BFF)', () => {
  let sessionGw;
  before(async () => { sessionGw = await startGateway({ config: () => ({ sessions: { mode: 'session' } }) }); });
  after(async () => { await sessionGw?.stop(); });

  test('signs in with the ss-id cookie only, calls the API, never refreshes, logs out', async () => {
    const fetch = cookieFetch();
    const client = createClient({ baseUrl: sessionGw.url, fetch, mode: 'session', crossTab: false });
    const body = await client.login('alice', 'wonderland');
    assert.equal(body.bearerToken, undefined);
    assert.equal(client.accessToken, null);
    assert.deepEqual([...fetch.jar.keys()], ['ss-id']);
    assert.equal(client.user.userName, 'alice');
    const echo = await client.getJson('/api/s');
    assert.equal(echo.token.verified, true, 'the gateway minted a token for the upstream');
    // A 401 (here from a token the caller supplied, which decides over the session) is final: no refresh,
    // which in session mode would clear the session cookie.
    await assert.rejects(client.getJson('/auth', { headers: { Authorization: 'Bearer nope' } }), AuthenticationRequiredError);
    assert.equal(refreshes(fetch.log), 0);
    assert.equal(count(fetch.log, 'GET', '/auth'), 1);
    assert.ok(fetch.jar.has('ss-id'), 'the session cookie survived');
    assert.equal((await client.currentUser()).userName, 'alice');
    await client.logout();
    assert.equal(fetch.jar.has('ss-id'), false);
    assert.equal(await client.currentUser(), null);
    assert.equal(refreshes(fetch.log), 0);
  });
});
