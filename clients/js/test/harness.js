// Starts the real thing for the tests: the demo backend and the gateway (java -jar bff-gateway.jar), on
// ports the OS picks, with a configuration written to a temporary directory. Every process is stopped by its
// PID when the stack stops, and when this process exits, whatever the tests did.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, stat } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const jarPath = process.env.BFF_JAR ? path.resolve(process.env.BFF_JAR) : path.join(repoRoot, 'target/bff-gateway.jar');
const STARTUP_TIMEOUT_MS = Number(process.env.BFF_STARTUP_TIMEOUT_MS ?? 90_000);

const children = new Set();
process.on('exit', () => {
  for (const child of children) {
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(130));
}

/** Starts a child process and resolves with the first stdout match of `pattern` (polled, never a sleep). */
function startProcess(name, command, args, pattern, { cwd, env } = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let output = '';
  const log = [];
  let settled = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
    const fail = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      error.message += `\n--- ${name} output ---\n${log.join('')}`;
      stopProcess(child).finally(() => reject(error));
    };
    const onData = (chunk) => {
      const text = chunk.toString();
      log.push(text);
      if (log.length > 500) log.shift();
      output += text;
      const match = settled ? null : output.match(pattern);
      if (match) {
        settled = true;
        clearTimeout(timer);
        output = '';
        resolve({ child, match, log });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => { log.push(chunk.toString()); if (log.length > 500) log.shift(); });
    child.on('error', fail);
    child.on('exit', (code, signal) => fail(new Error(`${name} exited with ${code ?? signal}`)));
  });
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try { process.kill(child.pid, 'SIGTERM'); } catch { return; }
  const timer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
  await exited;
  clearTimeout(timer);
}

/** An HTTP server on 127.0.0.1 and a port the OS picks. */
export async function startServer(handler) {
  const server = http.createServer(handler);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.keepAliveTimeout = 1000;
  return {
    port: server.address().port,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

/** Serves files from `dir` (and extra `routes`: path → {type, body}) on its own port: a second origin. */
export async function startStaticServer(routes) {
  return startServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const route = routes[url.pathname];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const body = typeof route.body === 'function' ? await route.body() : route.body;
    res.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store' });
    res.end(body);
  });
}

/**
 * Starts the demo backend and a gateway in front of it.
 *
 * options.config(backendUrl) returns extra gateway configuration, merged over the defaults below.
 * Resolves with {url, port, backendUrl, dataDir, stop()}.
 */
export async function startGateway({ config = () => ({}) } = {}) {
  await stat(jarPath).catch(() => { throw new Error(`${jarPath} is missing: build it (mvn -B package) or set BFF_JAR`); });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bff-e2e-'));
  const stops = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  };
  try {
    // The demo backend verifies tokens against the gateway's JWKS, but the gateway's port is only known once
    // the gateway runs, and the gateway's route needs the backend's port. A relay on a port of its own breaks
    // the circle: the backend is told the relay's URL, and the relay asks the gateway once it is up.
    let gatewayUrl = null;
    const relay = await startServer(async (req, res) => {
      try {
        if (!gatewayUrl) throw new Error('gateway not started yet');
        const upstream = await fetch(`${gatewayUrl}/.well-known/jwks.json`);
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(await upstream.text());
      } catch (error) {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end(String(error));
      }
    });
    stops.push(relay.close);

    const backend = await startProcess('demo backend', 'java',
      ['-jar', jarPath, 'demo-backend', '--port', '0', '--jwks', `http://127.0.0.1:${relay.port}/jwks.json`],
      /demo backend listening on (http:\/\/127\.0\.0\.1:(\d+))/);
    stops.push(() => stopProcess(backend.child));
    const backendUrl = backend.match[1];

    const base = {
      dataDir: path.join(dir, 'data'),
      server: { host: '127.0.0.1', port: 0, instances: 1 },
      store: { type: 'memory' },
      tokens: { accessTokenTtlSeconds: 10, clockLeewaySeconds: 0, revocationCheckSeconds: 0 },
      cookies: { secure: 'auto' },
      credentials: { type: 'users', usersFile: path.join(repoRoot, 'conf/users.json'), maxFailures: 1000 },
      routes: [
        { id: 'api', path: '/api', upstream: backendUrl, stripPrefix: true, auth: 'required' },
        { id: 'public', path: '/public', upstream: backendUrl, stripPrefix: true, auth: 'optional' },
      ],
    };
    const merged = deepMerge(base, config(backendUrl));
    const confFile = path.join(dir, 'gateway.json');
    await writeFile(confFile, JSON.stringify(merged, null, 2));

    const gateway = await startProcess('gateway', 'java', ['-jar', jarPath, 'run', '--conf', confFile],
      /bff-gateway listening on (http:\/\/127\.0\.0\.1:(\d+))/, { env: { BFF_LOG_LEVEL: process.env.BFF_LOG_LEVEL ?? 'WARN' } });
    stops.push(() => stopProcess(gateway.child));
    gatewayUrl = gateway.match[1];
    await waitFor(async () => (await fetch(`${gatewayUrl}/health/ready`)).ok, 'gateway ready');

    return { url: gatewayUrl, port: Number(gateway.match[2]), backendUrl, config: merged, logs: gateway.log, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls `check` until it returns something truthy (not a sleep for state: a bounded poll). */
export async function waitFor(check, what, { timeoutMs = 20_000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function deepMerge(a, b) {
  if (Array.isArray(b) || typeof b !== 'object' || b === null) return b;
  const out = { ...a };
  for (const [key, value] of Object.entries(b)) {
    out[key] = key in out && typeof out[key] === 'object' && !Array.isArray(out[key]) ? deepMerge(out[key], value) : value;
  }
  return out;
}

/**
 * A fetch for Node that keeps cookies like a browser would for one host (Node's fetch keeps none), and
 * records every request. `jar` may be shared by several clients: that is "one browser, several tabs".
 */
export function cookieFetch(jar = new Map(), log = []) {
  const f = async (input, init) => {
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    if (request.credentials !== 'omit' && jar.size > 0) {
      headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const entry = { method: request.method, path: new URL(request.url).pathname, url: request.url, authorization: headers.get('authorization') };
    log.push(entry);
    const response = await fetch(new Request(request, { headers }));
    entry.status = response.status;
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const maxAge = attributes.map((a) => a.trim().toLowerCase()).find((a) => a.startsWith('max-age='));
      if (value === '' || (maxAge && Number(maxAge.slice(8)) <= 0)) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
  f.jar = jar;
  f.log = log;
  return f;
}

export { readFile };
