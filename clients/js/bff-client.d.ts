// Types of bff-client.js, the browser (and Node) client of bff-gateway. See docs/client.md.

/** The gateway's error shape (ServiceStack's ResponseStatus). */
export interface ResponseStatus {
  errorCode: string;
  message: string;
  errors: Array<{ errorCode: string; fieldName: string; message: string }>;
}

/** Every error the client raises. `status` is the HTTP status, 0 when there was no answer. */
export class BffError extends Error {
  readonly status: number;
  readonly errorCode?: string;
  readonly responseStatus?: ResponseStatus;
  readonly response?: Response;
}
/** The request got no answer: offline, connection refused, a CORS failure. `cause` is fetch's error. */
export class NetworkError extends BffError {}
/** A status other than 2xx from getJson, postJson, login, logout or the devices calls. */
export class HttpError extends BffError {}
/** Still 401 after one refresh and one retry, or no sign-in to refresh: the user must sign in. */
export class AuthenticationRequiredError extends HttpError {}
/** Sign-in refused: 401 wrong user name or password, 400 missing fields, 429 throttled. */
export class LoginError extends HttpError {}
/** 403 "Cross-site request refused" from the gateway's CSRF rule. */
export class CrossSiteRequestError extends HttpError {}

export interface User {
  userId: string;
  userName: string;
  displayName: string;
  roles: string[];
  permissions: string[];
}

/** The gateway's AuthenticateResponse. */
export interface AuthenticateResponse extends User {
  bearerToken?: string;
  meta?: Record<string, unknown>;
}

/** One signed-in device (refresh-token family) from GET /auth/sessions. */
export interface Session {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  client: string;
  current: boolean;
}

export type ClientState = 'unknown' | 'signedIn' | 'signedOut';

export interface ClientEvent {
  type: 'login' | 'token' | 'logout' | 'signedOut' | 'authenticationRequired';
  /** 'remote': it happened in another tab and arrived by BroadcastChannel. */
  source: 'local' | 'remote';
}

export interface ClientOptions {
  /** The gateway, e.g. 'https://gw.example.com'. Default '': the page's own origin. Paths starting with '/' are appended to it. */
  baseUrl?: string;
  /**
   * 'token' (default): the client keeps the access token in memory and sends `Authorization: Bearer` to the
   * gateway and to `tokenOrigins`, refreshing it just before it expires. 'cookie': the client never sends
   * a token; the HttpOnly cookies and `credentials: 'include'` do everything, and the client only refreshes
   * and retries on a 401. 'session': for the gateway's `sessions.mode: "session"` (pure BFF): like 'cookie',
   * but it never refreshes (there is no refresh token); a 401 means the session is over.
   */
  mode?: 'token' | 'cookie' | 'session';
  /** Other origins that get `Authorization: Bearer` in token mode (exact origins). No other origin ever does. */
  tokenOrigins?: string[];
  /** Called when a request is still 401 after a refresh and a retry; fetch() then resolves with that 401. */
  onAuthenticationRequired?: (response: Response) => void | Promise<void>;
  /** The fetch to use (default globalThis.fetch). Node needs one that keeps cookies. */
  fetch?: typeof fetch;
  /** Extra headers on every request to the gateway, e.g. `{'X-CSRF': '1'}` for `csrf.requireHeader`. */
  headers?: HeadersInit;
  /** fetch credentials for requests to the gateway. Default 'include'. */
  credentials?: RequestCredentials;
  loginPath?: string;      // default '/auth/credentials'
  refreshPath?: string;    // default '/access-token'
  logoutPath?: string;     // default '/auth/logout'
  userPath?: string;       // default '/auth'
  sessionsPath?: string;   // default '/auth/sessions'
  /** Token mode refreshes this long before expiry (at most a quarter of the token's lifetime). Default 5. */
  refreshMarginSeconds?: number;
  /** Share tokens and logouts with other tabs over BroadcastChannel. Default true (when available). */
  crossTab?: boolean;
  channelName?: string;    // default 'bff-client'
  lockName?: string;       // default 'bff-client-refresh'
  /** How long a tab that got the refresh lock waits for another tab's announced refresh. Default 3000. */
  foreignRefreshWaitMs?: number;
  /** Logout attempts while the gateway answers 503. Default 3. */
  logoutAttempts?: number;
  /** A Web Locks implementation (default navigator.locks; null for none). */
  locks?: { request<T>(name: string, callback: () => Promise<T>): Promise<T> } | null;
  /** A BroadcastChannel constructor (default globalThis.BroadcastChannel). */
  BroadcastChannel?: typeof BroadcastChannel;
}

export class BffClient {
  constructor(options?: ClientOptions);
  readonly options: Required<Omit<ClientOptions, 'onAuthenticationRequired' | 'fetch' | 'locks' | 'BroadcastChannel'>>;
  readonly mode: 'token' | 'cookie' | 'session';
  onAuthenticationRequired?: (response: Response) => void | Promise<void>;
  /** The access token, in memory only; null without one. */
  readonly accessToken: string | null;
  /** The access token's payload, decoded, not verified. */
  readonly claims: Record<string, any> | null;
  /** When the access token expires, in Date.now() milliseconds of this machine; 0 without one. */
  readonly expiresAt: number;
  readonly state: ClientState;
  readonly user: User | null;

  login(userName: string, password: string): Promise<AuthenticateResponse>;
  logout(options?: { everywhere?: boolean }): Promise<Record<string, never>>;
  /**
   * A new access token from the refresh cookie (or the refresh token held in memory, when the gateway hands it
   * out in bodies) now; rejects with AuthenticationRequiredError when the sign-in is over.
   */
  refresh(): Promise<string | null>;

  /** A drop-in for fetch(), with Bearer, refresh and one retry. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  getJson<T = any>(url: string, init?: RequestInit): Promise<T>;
  postJson<T = any>(url: string, body?: unknown, init?: RequestInit): Promise<T>;
  /** GET /auth; null when nobody is signed in. */
  currentUser(): Promise<User | null>;
  listSessions(): Promise<Session[]>;
  revokeSession(id: string): Promise<Record<string, never>>;

  subscribe(listener: (event: ClientEvent) => void): () => void;
  close(): void;
}

export function createClient(options?: ClientOptions): BffClient;

/** Decodes a JWT's payload without verifying it. */
export function decodeJwtPayload(token: string): Record<string, any> | null;
