// jr-mock for Node tests: starts the jr-mock binary on a free loopback port and
// wraps its control API (`/_mock/...`) in promises. See README.md and index.d.ts.
//
// The binary is found, in order: the `binary` option, the JR_MOCK_BIN environment
// variable, a platform package named `jr-mock-<platform>-<arch>` (for example
// `jr-mock-linux-x64`) whose `bin/jr-mock` is the binary, then `jr-mock` on PATH.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

const PREFIX = 'jr-mock listening on ';
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
/** The most pages `deliveries()` and `requests()` follow before giving up. */
const MAX_PAGES = 10_000;

/** The identities every jr-mock knows unless a config file replaces them. */
export const identities = Object.freeze({
  oauthApp: Object.freeze({ clientId: 'oauth-app', token: 'oauth-app-token', clientSecret: 'oauth-app-secret' }),
  otherApp: Object.freeze({ clientId: 'other-app', token: 'other-app-token', clientSecret: 'other-app-secret' }),
  connectApp: Object.freeze({
    key: 'com.example.connect-app',
    sharedSecret: 'connect-app-secret',
    baseUrl: 'https://connect-app.example.com',
  }),
  user: Object.freeze({ email: 'user@example.com', token: 'user-token' }),
});

/** The path of the jr-mock binary to start (see the file's header for the order). */
export function findBinary(binary) {
  if (binary) return binary;
  if (process.env.JR_MOCK_BIN) return process.env.JR_MOCK_BIN;
  const platformPackage = `jr-mock-${process.platform}-${process.arch}`;
  try {
    const require = createRequire(import.meta.url);
    const found = require.resolve(`${platformPackage}/bin/jr-mock`);
    if (existsSync(found)) return found;
  } catch {
    // not installed: fall through to PATH
  }
  return 'jr-mock';
}

/** Reads the first stdout line of `child` and returns the base URL in it. */
function readBaseUrl(child, binary) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    let settled = false;
    const settle = (error, url) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      lines.close();
      if (error) {
        child.kill('SIGKILL');
        reject(error);
      } else {
        child.stdout.resume(); // drain anything later, so jr-mock never blocks on a full pipe
        resolve(url);
      }
    };
    const timer = setTimeout(
      () => settle(new Error(`${binary} printed no "${PREFIX}URL" line within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    child.once('error', (e) =>
      settle(new Error(`cannot start ${binary}: ${e.message}; pass { binary } or set JR_MOCK_BIN`)),
    );
    child.once('exit', (code) => settle(new Error(`${binary} exited with ${code} before printing its URL`)));
    lines.once('line', (line) => {
      if (!line.startsWith(PREFIX)) settle(new Error(`unexpected first line from ${binary}: ${line}`));
      else settle(null, line.slice(PREFIX.length).trim());
    });
  });
}

/**
 * Starts jr-mock and resolves once it listens.
 * @param {{binary?: string, args?: string[], env?: Record<string,string>, fixtures?: string}} [options]
 *   `fixtures`: a directory of recordings (`jr --record DIR`) to answer from (`--fixtures DIR`).
 */
export async function startJrMock(options = {}) {
  const binary = findBinary(options.binary);
  const fixtures = options.fixtures === undefined ? [] : ['--fixtures', options.fixtures];
  const child = spawn(binary, ['--port', '0', ...fixtures, ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...(options.env ?? {}) },
  });
  const baseUrl = await readBaseUrl(child, binary);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // If the test process ends without stop(), do not leave jr-mock behind.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);

  const call = async (method, route, body) => {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : {};
  };
  /** Follows `nextAfter` cursors of a paged control listing, bounded by MAX_PAGES. */
  const allPages = async (route, field) => {
    const items = [];
    let after;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const query = after === undefined ? '' : `?after=${encodeURIComponent(after)}`;
      const answer = await call('GET', `${route}${query}`);
      items.push(...(answer[field] ?? []));
      if (answer.nextAfter === undefined || answer.nextAfter === null) return items;
      after = answer.nextAfter;
    }
    throw new Error(`${route} still had pages after ${MAX_PAGES}`);
  };
  const tenant = await call('GET', '/_edge/tenant_info').catch(() => ({}));

  return {
    baseUrl,
    cloudId: tenant.cloudId ?? null,
    gatewayUrl: tenant.cloudId ? `${baseUrl}/ex/jira/${tenant.cloudId}` : null,
    identities,
    process: child,
    /** Moves the virtual clock forward by `ms`; resolves when due deliveries are done. */
    advance: (ms) => call('POST', '/_mock/clock', { advanceMs: ms }),
    /** The virtual time, milliseconds since the UNIX epoch. */
    now: async () => (await call('GET', '/_mock/clock')).nowMs,
    /** Posts an event (`{webhookEvent, issue, ...}`); resolves with the deliveries it caused. */
    sendEvent: (event) => call('POST', '/_mock/events', event),
    /** Every delivery attempt, oldest first. */
    deliveries: () => allPages('/_mock/deliveries', 'deliveries'),
    /** The failed-delivery store, oldest first. */
    failed: async () => (await call('GET', '/_mock/failed')).failed,
    /** Every request jr-mock received, oldest first, credentials redacted. */
    requests: () => allPages('/_mock/requests', 'requests'),
    /** Clears webhooks, failures, pending deliveries and logs; the clock stays. */
    reset: () => call('POST', '/_mock/reset'),
    /** Stops jr-mock (SIGTERM, then SIGKILL after 5 s); resolves when it has exited. */
    stop: async () => {
      process.removeListener('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
