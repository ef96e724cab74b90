// A real OpenID Provider for the gateway's tests: panva's oidc-provider on 127.0.0.1, with one confidential
// client, two fixed users, its own minimal login and consent pages, and a few /test/ endpoints.
// Started and stopped by src/test/java/dev/bffgateway/support/OidcProvider.java.
//
//   node src/test/oidc/provider.mjs '<config JSON>'      (or the JSON in env OIDC_PROVIDER_CONFIG)
//
// Config (every field optional):
//   port                    0 (default: any free port)
//   redirectUris            the client's redirect_uris       (default ["http://127.0.0.1/callback"])
//   postLogoutRedirectUris  the client's post_logout_redirect_uris (default [])
//   backchannelLogoutUri    the client's backchannel_logout_uri (default none)
//   accessTokenTtl          seconds (default 60)
//   refreshTokenTtl         seconds (default 86400)
//   rotateRefreshTokens     true (default): every refresh returns a new refresh token and the used one is dead
//                           (a second use is refused with invalid_grant and revokes the grant)
//   resource                audience of the JWT access tokens (default "urn:bff-gateway:upstream")
//   tokenEndpointAuthMethod "client_secret_basic" (default), "client_secret_post" or "private_key_jwt"
//   clientJwks              the client's public JWK Set ({"keys":[...]}) for private_key_jwt
//
// Keys (new ones at every start): an RSA signing key (RS256), and beside it, as Keycloak publishes one, an RSA
// encryption key ("use": "enc", RSA-OAEP) in the JWK Set at /jwks.
//
// When ready it prints exactly one line on stdout: "oidc-provider listening on http://127.0.0.1:PORT" (the issuer).
//
// Client: client_id "bff-gateway", client_secret "bff-secret", token_endpoint_auth_method client_secret_basic
// (HTTP Basic with the form-urlencoded id and secret; see tokenEndpointAuthMethod),
// grant types authorization_code and refresh_token, response type code, PKCE S256 required, ID tokens RS256.
// Users (login name -> sub): alice -> alice-sub (roles ["Admin"]), bob -> bob-sub (roles []).
// ID tokens carry every claim of the granted scopes (openid: sub, roles, realm_access; profile: name,
// preferred_username; email: email, email_verified). Access tokens are RS256 JWTs for `resource`.
//
// Test endpoints:
//   GET  /test/stats            {"token":{"authorization_code":n,"refresh_token":n},"tokenErrors":{...},
//                                "revocation":n,"backchannelLogout":{"success":n,"error":n}}
//   POST /test/stats/reset      zeroes the counters
//   POST /test/backchannel-logout?sub=alice-sub[&sid=...]  sends a logout_token (sub, and sid: the given one,
//                                else the sid of that user's last code exchange; sid=none for a token with
//                                only sub) to the client's
//                                backchannel_logout_uri now; answers {"ok":true,"sub":..,"sid":..} or
//                                502 {"error":...} when the client did not answer 200/204
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2] || process.env.OIDC_PROVIDER_CONFIG || '{}');

const USERS = {
  alice: {
    sub: 'alice-sub', name: 'Alice Liddell', preferred_username: 'alice', email: 'alice@example.com', roles: ['Admin'],
  },
  bob: {
    sub: 'bob-sub', name: 'Bob Builder', preferred_username: 'bob', email: 'bob@example.com', roles: [],
  },
};
const BY_SUB = Object.fromEntries(Object.values(USERS).map((u) => [u.sub, u]));

const stats = {};
const lastSid = new Map(); // sub -> sid of the last successful code exchange
function resetStats() {
  Object.assign(stats, {
    token: {}, tokenErrors: {}, revocation: 0, backchannelLogout: { success: 0, error: 0 },
  });
}
resetStats();

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(config.port || 0, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;
const resource = config.resource || 'urn:bff-gateway:upstream';

const client = {
  client_id: 'bff-gateway',
  client_secret: 'bff-secret',
  redirect_uris: config.redirectUris || ['http://127.0.0.1/callback'],
  post_logout_redirect_uris: config.postLogoutRedirectUris || [],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: config.tokenEndpointAuthMethod || 'client_secret_basic',
  id_token_signed_response_alg: 'RS256',
};
if (config.clientJwks) client.jwks = config.clientJwks;
if (config.backchannelLogoutUri) {
  client.backchannel_logout_uri = config.backchannelLogoutUri;
  client.backchannel_logout_session_required = true;
}

const rsaKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const jwks = {
  keys: [
    { ...rsaKey(), kid: 'signing', use: 'sig', alg: 'RS256' },
    { ...rsaKey(), kid: 'encryption', use: 'enc', alg: 'RSA-OAEP' },
  ],
};

const provider = new Provider(issuer, {
  clients: [client],
  jwks,
  async findAccount(ctx, id) {
    const user = BY_SUB[id];
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: user.sub,
          name: user.name,
          preferred_username: user.preferred_username,
          email: user.email,
          email_verified: true,
          roles: user.roles,
          realm_access: { roles: user.roles },
        };
      },
    };
  },
  claims: {
    openid: ['sub', 'roles', 'realm_access'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  conformIdTokenClaims: false, // the granted scopes' claims go into the ID token, as Keycloak does
  responseTypes: ['code'],
  pkce: { methods: ['S256'], required: () => true },
  features: {
    devInteractions: { enabled: false }, // our own pages below
    revocation: { enabled: true },
    introspection: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    encryption: { enabled: true }, // else oidc-provider refuses a key for encryption in jwks
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: resource,
        accessTokenFormat: 'jwt',
        accessTokenTTL: config.accessTokenTtl || 60,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  issueRefreshToken: async (ctx, c) => c.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => config.rotateRefreshTokens !== false,
  ttl: {
    AccessToken: config.accessTokenTtl || 60,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: config.refreshTokenTtl || 86400,
    Interaction: 600,
    Session: 86400,
    Grant: 86400,
  },
  cookies: { keys: ['bff-gateway-test-cookie-key'] },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><title>error</title><pre id="error">${escape(JSON.stringify(out))}</pre>`;
  },
});
provider.proxy = false;

provider.on('backchannel.success', () => { stats.backchannelLogout.success += 1; });
provider.on('backchannel.error', () => { stats.backchannelLogout.error += 1; });
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.on('grant.error', (ctx, err) => console.error('grant.error', err.message, err.error_detail || ''));

function escape(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return Object.fromEntries(new URLSearchParams(body));
}

function page(ctx, title, body) {
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
}

function loginPage(ctx, uid, error) {
  page(ctx, 'Sign-in', `${error ? `<p id="error">${escape(error)}</p>` : ''}
<form id="login" method="post" action="/interaction/${uid}/login">
  <input type="text" name="login" placeholder="alice or bob" autofocus>
  <input type="password" name="password" placeholder="any password">
  <button type="submit">Sign-in</button>
</form>
<form id="abort" method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form>`);
}

// Token-endpoint counters, the /test/ endpoints and the interaction pages.
provider.use(async (ctx, next) => {
  if (ctx.path === '/test/stats' && ctx.method === 'GET') {
    ctx.body = stats;
    return;
  }
  if (ctx.path === '/test/stats/reset' && ctx.method === 'POST') {
    resetStats();
    ctx.body = stats;
    return;
  }
  if (ctx.path === '/test/backchannel-logout' && ctx.method === 'POST') {
    const c = await provider.Client.find('bff-gateway');
    const { sub } = ctx.query;
    const sid = ctx.query.sid === 'none' ? undefined : (ctx.query.sid || lastSid.get(sub));
    if (!sub || !c.backchannelLogoutUri) ctx.throw(400, 'needs ?sub= and a configured backchannelLogoutUri');
    try {
      await c.backchannelLogout(sub, sid);
      stats.backchannelLogout.success += 1;
      ctx.body = { ok: true, sub, sid };
    } catch (err) {
      stats.backchannelLogout.error += 1;
      ctx.status = 502;
      ctx.body = { error: String(err && err.message) };
    }
    return;
  }

  const m = ctx.path.match(/^\/interaction\/([^/]+)(?:\/(login|consent|abort))?$/);
  if (m) {
    const [, uid, action] = m;
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== uid) ctx.throw(400, 'interaction mismatch');
    const { prompt, params, session } = details;
    if (!action && ctx.method === 'GET') {
      if (prompt.name === 'login') {
        loginPage(ctx, uid);
      } else {
        const user = BY_SUB[session.accountId];
        page(ctx, 'Authorize', `<p>${escape(params.client_id)} asks ${escape(user?.preferred_username)} for:
${escape(params.scope)}</p>
<form id="consent" method="post" action="/interaction/${uid}/consent"><button type="submit">Allow</button></form>
<form id="abort" method="post" action="/interaction/${uid}/abort"><button type="submit">Deny</button></form>`);
      }
      return;
    }
    if (ctx.method !== 'POST') ctx.throw(405);
    const form = await readForm(ctx.req);
    let result;
    if (action === 'login') {
      const user = USERS[form.login];
      if (prompt.name !== 'login' || !user) {
        loginPage(ctx, uid, 'unknown user');
        return;
      }
      result = { login: { accountId: user.sub } };
    } else if (action === 'consent') {
      if (prompt.name !== 'consent') ctx.throw(400, 'no consent pending');
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const d = prompt.details;
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      if (d.missingResourceScopes) {
        for (const [indicator, scopes] of Object.entries(d.missingResourceScopes)) {
          grant.addResourceScope(indicator, scopes.join(' '));
        }
      }
      result = { consent: { grantId: await grant.save() } };
    } else {
      result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    }
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission: action === 'consent',
    });
    ctx.status = 303;
    ctx.redirect(returnTo);
    return;
  }

  await next();

  if (ctx.path === '/token' && ctx.method === 'POST') {
    const grantType = ctx.oidc?.params?.grant_type || 'unknown';
    const bucket = ctx.status === 200 ? stats.token : stats.tokenErrors;
    bucket[grantType] = (bucket[grantType] || 0) + 1;
    const code = ctx.oidc?.entities?.AuthorizationCode;
    if (ctx.status === 200 && code?.sid) lastSid.set(code.accountId, code.sid);
  } else if (ctx.path === '/token/revocation' && ctx.method === 'POST') {
    stats.revocation += 1;
  }
});

server.on('request', provider.callback());

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

console.log(`oidc-provider listening on ${issuer}`);
