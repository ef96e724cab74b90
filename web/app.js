// The demo page: sign in, call the API, watch the access token expire and refresh, log out, and end the
// sign-ins of other devices. Everything goes through bff-client.js, which the gateway serves.
import { BffError, createClient } from '/bff-client.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
if (params.get('api')) $('api-path').value = params.get('api');

const client = createClient({
  onAuthenticationRequired: () => showSignedOut('Your sign-in has ended. Please sign in again.'),
});
// For trying things out in the console (and for the browser tests). A real app need not expose it.
window.demo = { client };

// ---------------------------------------------------------------------------------------------------------
// Views

function showSignedOut(notice) {
  $('loading').hidden = true;
  $('signed-in').hidden = true;
  $('who').hidden = true;
  $('signed-out').hidden = false;
  $('signed-out-notice').hidden = !notice;
  $('signed-out-notice').textContent = notice ?? '';
  document.body.dataset.state = 'signedOut';
}

function showSignedIn() {
  const user = client.user;
  $('loading').hidden = true;
  $('signed-out').hidden = true;
  $('signed-in').hidden = false;
  $('who').hidden = false;
  $('who-name').textContent = user?.displayName ?? '';
  $('avatar').textContent = (user?.displayName ?? '?').slice(0, 1).toUpperCase();
  $('user-name').textContent = user ? `${user.displayName} (${user.userName})` : '';
  $('user-roles').replaceChildren(...(user?.roles ?? []).map((role) => pill(role)));
  document.body.dataset.state = 'signedIn';
  tick();
}

function pill(text, extra = '') {
  const span = document.createElement('span');
  span.className = `pill ${extra}`.trim();
  span.textContent = text;
  return span;
}

function log(text, kind = '') {
  const li = document.createElement('li');
  if (kind) li.className = kind;
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  li.append(time, ' ', text);
  $('log').prepend(li);
  while ($('log').children.length > 30) $('log').lastChild.remove();
}

function errorText(error) {
  return error instanceof BffError ? `${error.message}${error.status ? ` (HTTP ${error.status})` : ''}` : String(error?.message ?? error);
}

// The countdown: how long the in-memory access token has left.
function tick() {
  if (document.body.dataset.state !== 'signedIn') return;
  const claims = client.claims;
  const left = client.expiresAt - Date.now();
  const lifetime = claims?.exp && claims?.iat ? (claims.exp - claims.iat) * 1000 : 0;
  if (!client.accessToken) {
    $('token-countdown').textContent = '–';
    $('token-label').textContent = 'no access token in this tab yet';
    $('token-bar').style.width = '0%';
  } else if (left > 0) {
    $('token-countdown').textContent = left >= 60_000 ? `${Math.floor(left / 60_000)} min ${Math.floor((left % 60_000) / 1000)} s` : `${(left / 1000).toFixed(1)} s`;
    $('token-label').textContent = 'until the access token expires';
    $('token-bar').style.width = `${lifetime ? Math.max(0, Math.min(100, (left / lifetime) * 100)) : 100}%`;
  } else {
    $('token-countdown').textContent = 'expired';
    $('token-label').textContent = 'the next call gets a new one from the refresh cookie';
    $('token-bar').style.width = '0%';
  }
  $('token-bar').classList.toggle('low', left < 3000);
}
setInterval(tick, 100);

// ---------------------------------------------------------------------------------------------------------
// What the client tells us, from this tab or another

client.subscribe((event) => {
  const where = event.source === 'remote' ? 'in another tab' : 'in this tab';
  switch (event.type) {
    case 'login':
      log(`Signed in as ${client.user?.userName} ${where}`);
      showSignedIn();
      loadDevices();
      break;
    case 'token':
      log(`New access token ${event.source === 'remote' ? 'from another tab' : '(refreshed in this tab)'}`);
      if (document.body.dataset.state !== 'signedIn') showSignedIn();
      tick();
      break;
    case 'logout':
      showSignedOut(event.source === 'remote' ? 'You logged out in another tab.' : 'You have logged out.');
      $('log').replaceChildren();
      break;
    case 'signedOut':
      showSignedOut('Your sign-in has ended. Please sign in again.');
      break;
    default:
  }
});

// ---------------------------------------------------------------------------------------------------------
// Actions

$('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = $('signin-button');
  button.disabled = true;
  $('signin-error').hidden = true;
  try {
    await client.login($('username').value.trim(), $('password').value);
    $('password').value = '';
  } catch (error) {
    $('signin-error').textContent = errorText(error);
    $('signin-error').hidden = false;
  } finally {
    button.disabled = false;
  }
});

for (const button of document.querySelectorAll('.demo-user')) {
  button.addEventListener('click', () => {
    $('username').value = button.dataset.user;
    $('password').value = button.dataset.password;
    $('signin-form').requestSubmit();
  });
}

$('api-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const path = $('api-path').value.trim() || '/api/hello';
  const status = $('api-status');
  status.hidden = false;
  status.className = 'api-status';
  status.textContent = `GET ${path} …`;
  try {
    const response = await client.fetch(path, { headers: { Accept: 'application/json' } });
    const text = await response.text();
    let body;
    try { body = JSON.parse(text); } catch { body = text; }
    status.textContent = `GET ${path} → ${response.status} ${response.statusText}`;
    status.classList.add(response.ok ? 'ok' : 'bad');
    showEcho(body, response.ok);
    log(`GET ${path} → ${response.status}`, response.ok ? '' : 'bad');
  } catch (error) {
    status.textContent = `GET ${path} failed: ${errorText(error)}`;
    status.classList.add('bad');
    log(`GET ${path} failed: ${errorText(error)}`, 'bad');
  }
});

const CLAIM_LABELS = { sub: 'Subject', preferred_username: 'User name', name: 'Name', email: 'E-mail', roles: 'Roles', perms: 'Permissions', iss: 'Issuer', aud: 'Audience', iat: 'Issued', exp: 'Expires', jti: 'Token id' };

function showEcho(body, ok) {
  $('api-raw').hidden = false;
  $('api-result').textContent = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
  const list = $('claims-list');
  list.replaceChildren();
  const token = body && typeof body === 'object' ? body.token : null;
  // An error (a 404 for a path without a route, say) is the status line's and the raw answer's to show: the
  // backend verified no claims for it.
  $('api-claims').hidden = !ok;
  if (!ok) {
    return;
  }
  if (!token) {
    list.append(row('Token', 'none: the request reached the backend anonymously'));
    return;
  }
  if (!token.verified) {
    list.append(row('Token', `not verified: ${token.reason ?? 'unknown reason'}`));
    return;
  }
  for (const [key, value] of Object.entries(token.claims)) {
    let shown = Array.isArray(value) ? value.join(', ') || '–' : String(value);
    if ((key === 'iat' || key === 'exp') && typeof value === 'number') shown = new Date(value * 1000).toLocaleTimeString();
    list.append(row(CLAIM_LABELS[key] ?? key, shown, key));
  }
}

function row(label, value, key = '') {
  const fragment = document.createDocumentFragment();
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  dd.textContent = value;
  if (key) dd.dataset.claim = key;
  fragment.append(dt, dd);
  return fragment;
}

$('refresh-now').addEventListener('click', async () => {
  try {
    await client.refresh();
  } catch (error) {
    log(`Refresh failed: ${errorText(error)}`, 'bad');
  }
});

$('logout').addEventListener('click', () => logout(false));
$('logout-everywhere').addEventListener('click', () => logout(true));

async function logout(everywhere) {
  try {
    await client.logout({ everywhere });
  } catch (error) {
    showSignedOut(`Logout failed: ${errorText(error)}`);
  }
}

$('load-devices').addEventListener('click', () => loadDevices());

async function loadDevices() {
  const list = $('device-list');
  try {
    const sessions = await client.listSessions();
    list.replaceChildren(...sessions.slice().reverse().map(deviceItem));
    list.dataset.loaded = String(Date.now());
  } catch (error) {
    const li = document.createElement('li');
    li.className = 'bad';
    li.textContent = `Could not load devices: ${errorText(error)}`;
    list.replaceChildren(li);
  }
}

function deviceItem(session) {
  const li = document.createElement('li');
  li.dataset.id = session.id;
  const info = document.createElement('div');
  info.className = 'device-info';
  const name = document.createElement('strong');
  name.textContent = session.client;
  info.append(name);
  if (session.current) info.append(' ', pill('this device', 'current'));
  const when = document.createElement('small');
  when.textContent = `signed in ${formatTime(session.createdAt)} · last used ${formatTime(session.lastUsedAt)}`;
  info.append(document.createElement('br'), when);
  li.append(info);
  if (!session.current) {
    const revoke = document.createElement('button');
    revoke.type = 'button';
    revoke.className = 'small danger revoke';
    revoke.textContent = 'End';
    revoke.dataset.id = session.id;
    revoke.addEventListener('click', async () => {
      revoke.disabled = true;
      try {
        await client.revokeSession(session.id);
        log(`Ended the sign-in on ${session.client}`);
      } catch (error) {
        log(`Could not end that sign-in: ${errorText(error)}`, 'bad');
      }
      loadDevices();
    });
    li.append(revoke);
  }
  return li;
}

function formatTime(iso) {
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

// ---------------------------------------------------------------------------------------------------------
// Start: after a reload the access token is gone from memory; the first need gets a new one from the
// refresh cookie. Asking who is signed in is that first need.

(async () => {
  try {
    const user = await client.currentUser();
    if (user) {
      showSignedIn();
      log(`Signed in as ${user.userName} (restored from the refresh cookie)`);
      loadDevices();
    } else if (document.body.dataset.state !== 'signedIn') {
      showSignedOut();
    }
  } catch (error) {
    showSignedOut(`Could not reach the gateway: ${errorText(error)}`);
  }
})();
