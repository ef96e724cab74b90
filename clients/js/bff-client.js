// bff-client.js: the browser (and Node) client of bff-gateway. One dependency-free ES module.
//
//   import { createClient } from '/bff-client.js'
//   const client = createClient({ onAuthenticationRequired: () => showSignIn() })
//   await client.login('alice', 'wonderland')
//   const res = await client.fetch('/api/orders')          // Authorization: Bearer <access token>
//
// The refresh token lives only in the gateway's HttpOnly `ss-reftok` cookie (or, when the gateway hands it out in
// bodies instead, `cookies.refreshTokenCookie: false`, in this object's memory, following each successor). The
// access token lives only in this object's memory (never localStorage, sessionStorage or a readable cookie). On a 401 the client
// refreshes once for all concurrent callers (single flight), retries each failed request once, and then
// calls onAuthenticationRequired or rejects with AuthenticationRequiredError. Tabs share new access tokens
// and logouts over a BroadcastChannel, and the Web Locks API keeps two tabs from refreshing at once.
// See docs/client.md.

/** Every error this client raises. `status` is the HTTP status (0 when there was no answer). */
export class BffError extends Error {
  constructor(message, { status = 0, errorCode, responseStatus, response, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.status = status;
    this.errorCode = errorCode ?? responseStatus?.errorCode;
    this.responseStatus = responseStatus;
    this.response = response;
  }
}

/** The request could not be sent or got no answer (offline, DNS, connection refused, CORS failure). */
export class NetworkError extends BffError {}

/** A response with a status other than 2xx, from getJson, postJson, login, logout and the devices calls. */
export class HttpError extends BffError {}

/** Still 401 after a refresh and one retry, or no session to refresh: the user has to sign in. */
export class AuthenticationRequiredError extends HttpError {}

/** Sign-in refused: 401 wrong user name or password, 400 missing fields, 429 too many failures. */
export class LoginError extends HttpError {}

/** 403 "Cross-site request refused": the gateway's CSRF rule (see docs/proxying.md#csrf). */
export class CrossSiteRequestError extends HttpError {}

const DEFAULTS = {
  baseUrl: '',
  mode: 'token',
  loginPath: '/auth/credentials',
  refreshPath: '/access-token',
  logoutPath: '/auth/logout',
  userPath: '/auth',
  sessionsPath: '/auth/sessions',
  tokenOrigins: [],
  headers: {},
  credentials: 'include',
  refreshMarginSeconds: 5,
  crossTab: true,
  channelName: 'bff-client',
  lockName: 'bff-client-refresh',
  foreignRefreshWaitMs: 3000,
  logoutAttempts: 3,
};

/** Creates a client. Every option is optional; see bff-client.d.ts and docs/client.md. */
export function createClient(options = {}) {
  return new BffClient(options);
}

let tabCounter = 0;

export class BffClient {
  constructor(options = {}) {
    const o = { ...DEFAULTS, ...options };
    if (!['token', 'cookie', 'session'].includes(o.mode)) throw new TypeError(`mode must be "token", "cookie" or "session", not ${o.mode}`);
    this.options = o;
    this.baseUrl = String(o.baseUrl || '').replace(/\/+$/, '');
    this.mode = o.mode;
    this.onAuthenticationRequired = o.onAuthenticationRequired;
    this._fetch = o.fetch ?? globalThis.fetch?.bind(globalThis);
    if (typeof this._fetch !== 'function') throw new TypeError('No fetch: pass options.fetch');
    this._locks = o.locks !== undefined ? o.locks : globalThis.navigator?.locks;
    this._tabId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${++tabCounter}`;
    this._listeners = new Set();

    // What this tab knows. `state` is 'unknown' until a sign-in, a refresh or a refused refresh decides it.
    this._token = null;
    this._refreshToken = null; // only when the gateway gives it in bodies, not as a cookie
    this._claims = null;
    this._expiresAt = 0;
    this._user = null;
    this._state = 'unknown';
    this._generation = 0; // bumped by every new token, sign-in and logout, local or from another tab
    this._refreshing = null; // the single in-flight refresh of this tab
    this._foreignRefresh = null; // {from, promise, resolve} while another tab says it is refreshing

    this._gatewayOrigin = originOf(this.baseUrl || '/');
    this._tokenOrigins = new Set((o.tokenOrigins || []).map(originOf).filter(Boolean));

    this._channel = null;
    const Channel = o.crossTab ? (o.BroadcastChannel ?? globalThis.BroadcastChannel) : null;
    if (Channel) {
      this._channel = new Channel(o.channelName);
      this._channel.onmessage = (event) => this._onMessage(event.data);
      this._channel.unref?.(); // Node: do not keep the process alive
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // What the app reads

  /** The current access token (memory only), or null. */
  get accessToken() { return this._token; }

  /** The access token's payload, decoded but not verified (the gateway verifies it), or null. */
  get claims() { return this._claims; }

  /** When the access token expires, in this machine's Date.now() milliseconds; 0 without a token. */
  get expiresAt() { return this._expiresAt; }

  /** 'unknown' (not asked yet, e.g. after a reload), 'signedIn' or 'signedOut'. */
  get state() { return this._state; }

  /**
   * The signed-in user: from the sign-in response, or from the access token's claims after a reload or a
   * token from another tab. Null when unknown.
   */
  get user() { return this._user; }

  /**
   * Listens to changes: `{type: 'login'|'token'|'logout'|'signedOut'|'authenticationRequired', source:
   * 'local'|'remote'}`. Returns a function that removes the listener.
   */
  subscribe(listener) {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  /** Closes the BroadcastChannel. The client still works, without cross-tab sharing. */
  close() {
    this._channel?.close();
    this._channel = null;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Sign-in, logout, refresh

  /** Signs in. Resolves with the gateway's AuthenticateResponse; rejects with LoginError and friends. */
  async login(userName, password) {
    const res = await this._gatewayRequest(this.options.loginPath, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ userName, password }),
    });
    const body = await readJson(res);
    if (!res.ok) throw errorFor(res, body, res.status === 403 ? null : LoginError, 'Sign-in failed');
    const user = userFromAuthResponse(body);
    this._setToken(body.bearerToken ?? null, user);
    this._refreshToken = body.refreshToken ?? null;
    this._state = 'signedIn';
    this._generation++;
    this._post({ type: 'login', token: this._token, refreshToken: this._refreshToken, user });
    this._emit({ type: 'login', source: 'local' });
    return body;
  }

  /**
   * Logs out: revokes this browser's sign-in (or every sign-in of the user with {everywhere: true}) and
   * clears the cookies. Every tab of this browser forgets its access token. Retries a 503 (the store
   * unavailable) a few times, as the gateway then keeps the refresh cookie for a retry.
   */
  async logout({ everywhere = false } = {}) {
    const path = this.options.logoutPath + (everywhere ? '?everywhere=true' : '');
    let res;
    let body;
    try {
      for (let attempt = 1; ; attempt++) {
        const headers = { Accept: 'application/json' };
        // A valid Bearer token lets "log out everywhere" find the user when the cookie is gone.
        if (everywhere && this.mode === 'token' && this._token && !this._isExpiring()) headers.Authorization = `Bearer ${this._token}`;
        res = await this._gatewayRequest(path, { method: 'POST', ...this._withRefreshToken(headers) });
        body = await readJson(res);
        if (res.status !== 503 || attempt >= this.options.logoutAttempts) break;
        const wait = Math.min(5, Number(res.headers.get('Retry-After')) || 1);
        await delay(wait * 1000);
      }
    } finally {
      this._signOutLocally();
      this._post({ type: 'logout' });
      this._emit({ type: 'logout', source: 'local' });
    }
    if (!res.ok) throw errorFor(res, body, HttpError, 'Logout failed');
    return body;
  }

  /**
   * Gets a new access token from the refresh cookie now (single flight, one tab at a time). Resolves with
   * the new access token (null in cookie mode when the gateway keeps tokens out of bodies); rejects with
   * AuthenticationRequiredError when the sign-in is over, or another BffError for a fault.
   */
  async refresh() {
    const ok = await this._refreshOnce(this._generation, { force: true });
    if (ok === true) return this._token;
    throw ok;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Requests

  /**
   * A drop-in for fetch(). Paths starting with `/` go to the gateway (baseUrl). Requests to the gateway, and
   * to the tokenOrigins, get `Authorization: Bearer` in token mode, and are refreshed and retried once on a
   * 401. A final 401 calls onAuthenticationRequired and resolves with that response; without that option it
   * rejects with AuthenticationRequiredError. Network failures reject with NetworkError. Other statuses
   * resolve as fetch does.
   */
  async fetch(input, init) {
    const { response } = await this._send(input, init, { silent401: false });
    return response;
  }

  /** GET, parse JSON; a status other than 2xx rejects with HttpError (or a subclass). */
  async getJson(url, init = {}) {
    return this._json(url, { ...init, method: init.method ?? 'GET' });
  }

  /** POST `body` as JSON, parse the JSON answer; a status other than 2xx rejects with HttpError. */
  async postJson(url, body, init = {}) {
    const headers = new Headers(init.headers);
    if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
    return this._json(url, { ...init, method: init.method ?? 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  /** Who is signed in, from `GET /auth`; null when nobody is (no handler called, nothing thrown). */
  async currentUser() {
    const { response } = await this._send(this.options.userPath, { headers: { Accept: 'application/json' } }, { silent401: true });
    if (response.status === 401) return null;
    const body = await readJson(response);
    if (!response.ok) throw errorFor(response, body, HttpError, 'Could not read the current user');
    const user = userFromAuthResponse(body);
    if (!this._user || this._user.userId !== user.userId) this._user = user;
    return user;
  }

  /** This user's signed-in devices (refresh-token families) from `GET /auth/sessions`. */
  async listSessions() {
    const body = await this.getJson(this.options.sessionsPath);
    return body.sessions ?? [];
  }

  /** Ends one of this user's sessions: `DELETE /auth/sessions/{id}`. */
  async revokeSession(id) {
    return this._json(`${this.options.sessionsPath}/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Internals

  async _json(url, init) {
    const headers = new Headers(init.headers);
    if (!headers.has('Accept')) headers.set('Accept', 'application/json');
    const res = await this.fetch(url, { ...init, headers });
    const body = await readJson(res);
    if (!res.ok) throw errorFor(res, body, res.status === 401 ? AuthenticationRequiredError : HttpError, `${init.method} ${url} failed`);
    return body;
  }

  /** Resolves a path against the gateway's baseUrl; absolute URLs are kept. */
  _url(input) {
    if (typeof input === 'string' && input.startsWith('/') && !input.startsWith('//')) return this.baseUrl + input;
    return input;
  }

  /** A request to the gateway's own endpoints: with cookies and the configured headers, no Authorization. */
  async _gatewayRequest(path, init) {
    const headers = new Headers(this.options.headers);
    for (const [name, value] of new Headers(init.headers)) headers.set(name, value);
    try {
      return await this._fetch(this._url(path), { ...init, headers, credentials: this.options.credentials });
    } catch (cause) {
      throw new NetworkError(`${init.method ?? 'GET'} ${path}: ${cause?.message ?? cause}`, { cause });
    }
  }

  /** The core of fetch(): Bearer, proactive refresh, one refresh and one retry on 401. */
  async _send(input, init, { silent401 }) {
    const url = this._url(input instanceof URL ? input.href : input);
    const template = new Request(url, init); // a Request can be cloned for the retry, body included
    const origin = originOf(template.url);
    const gateway = origin === this._gatewayOrigin;
    const authorised = gateway || this._tokenOrigins.has(origin);
    if (!authorised) return { response: await this._rawFetch(template) };

    if (this.mode === 'token' && this._needsToken()) await this._refreshOnce(this._generation, { force: false, proactive: true });

    const credentials = gateway ? (init?.credentials ?? this.options.credentials) : template.credentials;
    const first = await this._attempt(template, gateway, credentials);
    if (first.response.status !== 401) return first;

    // 401: refresh once for everyone who got one with the same knowledge, then retry once.
    const refreshed = await this._refreshOnce(first.generation, { force: false });
    if (refreshed === true) {
      const second = await this._attempt(template, gateway, credentials);
      if (second.response.status !== 401) return second;
      return this._authenticationRequired(second, silent401);
    }
    if (refreshed instanceof AuthenticationRequiredError) return this._authenticationRequired(first, silent401);
    throw refreshed; // a fault (network, 503): the session may be fine; tell the caller what happened
  }

  async _attempt(template, gateway, credentials) {
    const generation = this._generation;
    const request = template.clone();
    const headers = new Headers(request.headers);
    if (gateway) for (const [name, value] of new Headers(this.options.headers)) if (!headers.has(name)) headers.set(name, value);
    if (this.mode === 'token' && this._token && !headers.has('Authorization')) headers.set('Authorization', `Bearer ${this._token}`);
    const response = await this._rawFetch(new Request(request, { headers, credentials }));
    return { response, generation };
  }

  async _rawFetch(request) {
    try {
      return await this._fetch(request);
    } catch (cause) {
      throw new NetworkError(`${request.method} ${request.url}: ${cause?.message ?? cause}`, { cause });
    }
  }

  async _authenticationRequired(attempt, silent) {
    if (silent) return attempt;
    this._emit({ type: 'authenticationRequired', source: 'local' });
    if (this.onAuthenticationRequired) {
      await this.onAuthenticationRequired(attempt.response);
      return attempt;
    }
    const body = await readJson(attempt.response.clone());
    throw errorFor(attempt.response, body, AuthenticationRequiredError, 'Authentication required');
  }

  /** Token mode: no token yet (e.g. after a reload) or one about to expire, and not known to be signed out. */
  _needsToken() {
    if (this._state === 'signedOut') return false;
    return !this._token || this._isExpiring();
  }

  _isExpiring() {
    if (!this._expiresAt) return false;
    const ttl = this._claims?.iat && this._claims?.exp ? (this._claims.exp - this._claims.iat) * 1000 : Infinity;
    const margin = Math.min(this.options.refreshMarginSeconds * 1000, ttl / 4);
    return Date.now() >= this._expiresAt - margin;
  }

  /**
   * The single flight. Resolves with true (a new token is here, or another caller or tab already got one
   * since `generation`), or with the error to report (never rejects).
   */
  _refreshOnce(generation, { force, proactive = false }) {
    // Session mode (the gateway's sessions.mode "session"): there is no refresh token, and POST /access-token
    // would clear the session cookie. A 401 means the session is over.
    if (this.mode === 'session') return Promise.resolve(new AuthenticationRequiredError('The session has ended', { status: 401 }));
    if (!force && this._generation !== generation && this._state === 'signedIn' && (this.mode === 'cookie' || (this._token && !this._isExpiring()))) {
      return Promise.resolve(true);
    }
    if (!force && !proactive && this._state === 'signedOut' && this._generation === generation) {
      return Promise.resolve(new AuthenticationRequiredError('Not signed in', { status: 401 }));
    }
    if (!this._refreshing) {
      const started = this._generation;
      this._refreshing = this._refreshAcrossTabs(started)
        .catch((error) => (error instanceof BffError ? error : new NetworkError(String(error?.message ?? error), { cause: error })))
        .finally(() => { this._refreshing = null; });
    }
    return this._refreshing;
  }

  /** Takes the cross-tab lock (when the Web Locks API is there), then refreshes unless another tab just did. */
  async _refreshAcrossTabs(started) {
    if (!this._locks?.request) return this._refreshNow();
    return this._locks.request(this.options.lockName, async () => {
      // Another tab may have refreshed while this one waited for the lock. Its token arrives by broadcast;
      // if it announced a refresh that has not finished yet, wait for its result. Refresh tokens rotate, and
      // presenting a rotated one is tolerated only within the gateway's short grace window.
      if (this._foreignRefresh) await Promise.race([this._foreignRefresh.promise, delay(this.options.foreignRefreshWaitMs)]);
      if (this._generation !== started && this._state === 'signedIn' && (this.mode === 'cookie' || (this._token && !this._isExpiring()))) return true;
      return this._refreshNow();
    });
  }

  async _refreshNow() {
    this._post({ type: 'refreshing' });
    let res;
    try {
      res = await this._gatewayRequest(this.options.refreshPath, { method: 'POST', ...this._withRefreshToken({ Accept: 'application/json' }) });
    } catch (error) {
      this._post({ type: 'refreshed', ok: false });
      return error;
    }
    const body = await readJson(res);
    if (res.ok) {
      const token = body.accessToken ?? null;
      this._setToken(token, token ? null : this._user);
      // The gateway rotates body refresh tokens only with refreshTokens.rotate "always": then the old one is spent.
      if (body.refreshToken) this._refreshToken = body.refreshToken;
      this._state = 'signedIn';
      this._generation++;
      this._post({ type: 'refreshed', ok: true, token, refreshToken: this._refreshToken, user: this._user });
      this._emit({ type: 'token', source: 'local' });
      return true;
    }
    this._post({ type: 'refreshed', ok: false });
    if (res.status === 401) {
      // The refresh cookie is missing, expired or revoked: nobody is signed in in this browser.
      const wasSignedIn = this._state === 'signedIn';
      this._signOutLocally();
      if (wasSignedIn) this._emit({ type: 'signedOut', source: 'local' });
      return errorFor(res, body, AuthenticationRequiredError, 'The sign-in has ended');
    }
    return errorFor(res, body, res.status === 403 ? null : HttpError, 'Refresh failed');
  }

  _setToken(token, user) {
    this._token = token;
    this._claims = token ? decodeJwtPayload(token) : null;
    if (this._claims?.exp) {
      const lifetime = this._claims.iat ? (this._claims.exp - this._claims.iat) * 1000 : this._claims.exp * 1000 - Date.now();
      this._expiresAt = Date.now() + lifetime; // this machine's clock, whatever the server's says
    } else {
      this._expiresAt = 0;
    }
    this._user = user ?? (this._claims ? userFromClaims(this._claims) : this._user);
  }

  /** The headers, and the refresh token in a JSON body when this client holds one (there is no refresh cookie). */
  _withRefreshToken(headers) {
    if (!this._refreshToken) return { headers };
    return { headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken: this._refreshToken }) };
  }

  _signOutLocally() {
    this._token = null;
    this._refreshToken = null;
    this._claims = null;
    this._expiresAt = 0;
    this._user = null;
    this._state = 'signedOut';
    this._generation++;
  }

  _post(message) {
    try {
      this._channel?.postMessage({ ...message, from: this._tabId });
    } catch {
      // a closed channel: nothing to share
    }
  }

  _onMessage(message) {
    if (!message || message.from === this._tabId) return;
    switch (message.type) {
      case 'refreshing': {
        if (this._foreignRefresh) break;
        let resolve;
        const promise = new Promise((r) => { resolve = r; });
        this._foreignRefresh = { from: message.from, promise, resolve };
        break;
      }
      case 'refreshed':
        if (this._foreignRefresh) { this._foreignRefresh.resolve(); this._foreignRefresh = null; }
        if (message.ok) this._acceptRemoteToken(message, 'token');
        break;
      case 'login':
        this._acceptRemoteToken(message, 'login');
        break;
      case 'logout':
        this._signOutLocally();
        this._emit({ type: 'logout', source: 'remote' });
        break;
      default:
    }
  }

  _acceptRemoteToken({ token, refreshToken, user }, type) {
    this._setToken(token ?? null, user ?? null);
    this._refreshToken = refreshToken ?? null;
    this._state = 'signedIn';
    this._generation++;
    this._emit({ type, source: 'remote' });
  }

  _emit(event) {
    for (const listener of [...this._listeners]) {
      try {
        listener(event);
      } catch (error) {
        setTimeout(() => { throw error; });
      }
    }
  }
}

// -------------------------------------------------------------------------------------------------------------
// Helpers

function originOf(url) {
  try {
    return new URL(url, globalThis.location?.href).origin;
  } catch {
    return null;
  }
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function readJson(response) {
  const text = await response.text().catch(() => '');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return { text };
  }
}

/** The typed error for a failed response. `Type` null picks by status. */
function errorFor(response, body, Type, fallbackMessage) {
  const responseStatus = body?.responseStatus;
  const message = responseStatus?.message || `${fallbackMessage} (HTTP ${response.status})`;
  let Cls = Type ?? HttpError;
  if (response.status === 403 && responseStatus?.message === 'Cross-site request refused') Cls = CrossSiteRequestError;
  return new Cls(message, { status: response.status, responseStatus, response });
}

function userFromAuthResponse(body) {
  return {
    userId: body.userId,
    userName: body.userName,
    displayName: body.displayName ?? body.userName,
    roles: body.roles ?? [],
    permissions: body.permissions ?? [],
  };
}

function userFromClaims(claims) {
  return {
    userId: claims.sub,
    userName: claims.preferred_username ?? claims.sub,
    displayName: claims.name ?? claims.preferred_username ?? claims.sub,
    roles: claims.roles ?? [],
    permissions: claims.perms ?? [],
  };
}

/** Decodes a JWT's payload without verifying it (the gateway and the backends verify). */
export function decodeJwtPayload(token) {
  try {
    const part = token.split('.')[1];
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (part.length % 4)) % 4);
    const binary = atob(base64);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}
