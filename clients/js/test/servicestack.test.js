// Service clients that keep their tokens in memory instead of cookies, against a real gateway with
// cookies.refreshTokenCookie false: ServiceStack's own JsonServiceClient (@servicestack/client) in bearer mode,
// which keeps its refresh token for good, and bff-client.js, which follows each successor when the gateway
// rotates body tokens (refreshTokens.rotate "always"). The grace window is 1 s, and each refresh comes later
// than that after the one before: a kept token must not look like a replay, a rotated one must.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JsonServiceClient } from '@servicestack/client';
import { AuthenticationRequiredError, createClient } from '../bff-client.js';
import { startGateway } from './harness.js';

const GRACE_MS = 1000;
const pastGrace = () => new Promise((resolve) => setTimeout(resolve, GRACE_MS + 250));

/** Request DTOs as ServiceStack's "Add ServiceStack Reference" generates them. */
class Authenticate {
  constructor(init) { Object.assign(this, init); }
  getTypeName() { return 'Authenticate'; }
  getMethod() { return 'POST'; }
  createResponse() { return {}; }
}
class GetAccessToken {
  constructor(init) { Object.assign(this, init); }
  getTypeName() { return 'GetAccessToken'; }
  getMethod() { return 'POST'; }
  createResponse() { return {}; }
}

/** Wraps the global fetch, which JsonServiceClient calls, to record each exchange with the gateway. */
function recordFetch(log) {
  const original = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const sent = request.method === 'POST' ? await request.clone().text() : '';
    const response = await original(request);
    log.push({ method: request.method, path: new URL(request.url).pathname, status: response.status, sent, received: await response.clone().text() });
    return response;
  };
  return () => { globalThis.fetch = original; };
}

/** @param rotate refreshTokens.rotate, or undefined for the default */
function serviceClientGateway(rotate) {
  const refreshTokens = { graceSeconds: GRACE_MS / 1000, ...(rotate ? { rotate } : {}) };
  return startGateway({ config: () => ({ cookies: { refreshTokenCookie: false }, refreshTokens }) });
}

describe('ServiceStack JsonServiceClient in bearer mode', () => {
  let gw;
  const log = [];
  let restoreFetch;
  before(async () => {
    gw = await serviceClientGateway();
    restoreFetch = recordFetch(log);
  });
  after(async () => {
    restoreFetch?.();
    await gw?.stop();
  });

  test('keeps one refresh token through every refresh, logs out with its bearer token, and is refused after', async () => {
    const client = new JsonServiceClient(gw.url);
    client.manageCookies = false; // bearer mode: tokens in memory, cookies dropped
    const auth = await client.post(new Authenticate({ provider: 'credentials', userName: 'alice', password: 'wonderland' }));
    assert.match(auth.bearerToken, /^ey/);
    assert.ok(auth.refreshToken, 'the refresh token comes in the body');
    client.bearerToken = auth.bearerToken;
    client.refreshToken = auth.refreshToken;

    let bearer = auth.bearerToken;
    for (let i = 1; i <= 4; i++) {
      await pastGrace();
      // An access token the gateway no longer accepts, as an expired one: the client refreshes on the 401.
      client.bearerToken = 'expired';
      const from = log.length;
      const hello = await client.get('/api/hello');
      assert.equal(hello.path, '/hello', `protected call after refresh ${i}`);
      assert.equal(hello.token.verified, true);
      const refreshes = log.slice(from).filter((e) => e.path === '/api/GetAccessToken');
      assert.equal(refreshes.length, 1, `refresh ${i}`);
      assert.equal(refreshes[0].status, 200, `refresh ${i}: ${refreshes[0].received}`);
      assert.equal(JSON.parse(refreshes[0].sent).refreshToken, auth.refreshToken, 'the client sends the token it was given');
      assert.equal(JSON.parse(refreshes[0].received).refreshToken, undefined, 'no successor, as from ServiceStack');
      assert.notEqual(client.bearerToken, bearer);
      bearer = client.bearerToken;
    }

    assert.deepEqual(await client.post(new Authenticate({ provider: 'logout' })), {});

    await assert.rejects(client.get('/api/hello'), (error) => {
      assert.equal(error.type, 'RefreshTokenException');
      assert.equal(error.responseStatus.errorCode, 'Unauthorized');
      assert.equal(error.responseStatus.message, 'Refresh token is invalid');
      return true;
    });
    await assert.rejects(client.post(new GetAccessToken({ refreshToken: auth.refreshToken })), (error) => {
      assert.equal(error.responseStatus.message, 'Refresh token is invalid');
      return true;
    });
  });
});

describe('bff-client.js in token mode with refreshTokens.rotate "always"', () => {
  let gw;
  before(async () => { gw = await serviceClientGateway('always'); });
  after(async () => { await gw?.stop(); });

  test('follows each successor, logs out with it, and a spent or logged-out token is refused', async () => {
    const log = [];
    const fetch = async (input, init) => {
      const request = new Request(input, init);
      const sent = request.method === 'POST' ? await request.clone().text() : '';
      const response = await globalThis.fetch(request);
      log.push({ path: new URL(request.url).pathname, status: response.status, sent, received: await response.clone().text() });
      return response;
    };
    const client = createClient({ baseUrl: gw.url, fetch, crossTab: false });
    const signedIn = await client.login('alice', 'wonderland');
    const first = signedIn.refreshToken;
    assert.ok(first, 'the refresh token comes in the body');

    let current = first;
    for (let i = 1; i <= 4; i++) {
      await pastGrace();
      const from = log.length;
      await client.refresh();
      const refresh = log.slice(from).find((e) => e.path === '/access-token');
      assert.equal(refresh.status, 200, `refresh ${i}: ${refresh.received}`);
      assert.equal(JSON.parse(refresh.sent).refreshToken, current, `refresh ${i} presents the latest successor`);
      const successor = JSON.parse(refresh.received).refreshToken;
      assert.ok(successor && successor !== current, `refresh ${i} hands out a successor`);
      current = successor;
      const hello = await client.getJson('/api/hello');
      assert.equal(hello.token.claims.preferred_username, 'alice', `protected call after refresh ${i}`);
    }

    const from = log.length;
    await client.logout();
    assert.equal(JSON.parse(log.slice(from).find((e) => e.path === '/auth/logout').sent).refreshToken, current);
    await assert.rejects(client.refresh(), AuthenticationRequiredError);

    for (const token of [current, first]) {
      const refused = await globalThis.fetch(`${gw.url}/access-token`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken: token }),
      });
      assert.equal(refused.status, 401);
      assert.equal((await refused.json()).responseStatus.message, 'Refresh token is invalid');
    }
  });

  test('a successor that the client did not keep makes its next refresh a replay, which ends the sign-in', async () => {
    const client = createClient({ baseUrl: gw.url, crossTab: false });
    const { refreshToken } = await client.login('alice', 'wonderland');
    const post = (body) => globalThis.fetch(`${gw.url}/access-token`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    assert.equal((await post({ refreshToken })).status, 200);
    await pastGrace();
    assert.equal((await post({ refreshToken })).status, 401, 'rotated past the grace window: a replay');
    await assert.rejects(client.refresh(), AuthenticationRequiredError, 'the whole family is revoked');
  });
});
