// A real external client against jr-mock: the jira.js package's dynamic-webhook calls,
// as an OAuth 2.0 app (bearer token, through the gateway prefix /ex/jira/{cloudId} with the
// cloud ID from /_edge/tenant_info) and as a Connect app (jira.js signs the JWT with qsh);
// then the stateful issues as the OAuth 2.0 app (issues.createIssue, the enhanced search
// issueSearch.searchForIssuesUsingJqlEnhancedSearch, issues.deleteIssue and the 404 after it),
// a paged operation outside the webhook API (projects.searchProjects, which must end)
// and the 401 for missing or misplaced credentials.
//
// Starts a fresh jr-mock (JR_MOCK_BIN, default ../../target/debug/jr-mock), reads its URL from
// the first stdout line, runs the calls, and exits non-zero on the first mismatch.
// Everything stays on 127.0.0.1: every client is given jr-mock's URL as `host`.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Version3Client } from 'jira.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const binary = process.env.JR_MOCK_BIN ?? path.join(here, '../../target/debug/jr-mock');

/** Starts jr-mock and resolves with the child and its base URL (the first stdout line). */
function startMock() {
  // --oauth-reads-failed: the OAuth app below reads its failed deliveries (by default only
  // Connect apps may, as the spec says).
  const child = spawn(binary, ['--port', '0', '--oauth-reads-failed'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('jr-mock printed no URL within 10 s')), 10_000);
    child.on('error', reject);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const prefix = 'jr-mock listening on ';
      if (!line.startsWith(prefix)) reject(new Error(`unexpected first line: ${line}`));
      else resolve({ child, base: line.slice(prefix.length).trim() });
    });
  });
}

// Never through a proxy, whatever the environment says.
const direct = { proxy: false };

/** The gateway base an OAuth 2.0 client must use: `<base>/ex/jira/<cloudId>`. */
async function gatewayBase(base) {
  const { cloudId } = await control(base, 'GET', '/_edge/tenant_info');
  return `${base}/ex/jira/${cloudId}`;
}

const oauthClient = (host, token) =>
  new Version3Client({ host, authentication: { oauth2: { accessToken: token } }, baseRequestConfig: direct });

const userClient = (host, apiToken) =>
  new Version3Client({ host, authentication: { basic: { email: 'user@example.com', apiToken } }, baseRequestConfig: direct });

const connectClient = (base, secret) =>
  new Version3Client({
    host: base,
    authentication: { jwt: { issuer: 'com.example.connect-app', secret, expiryTimeSeconds: 180 } },
    baseRequestConfig: direct,
  });

async function control(base, method, route, body) {
  const resp = await fetch(`${base}${route}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.equal(resp.status, 200, `${method} ${route}`);
  return resp.json();
}

/** The HTTP status of a rejected jira.js call. */
async function statusOf(promise) {
  try {
    await promise;
  } catch (e) {
    return e?.status ?? e?.response?.status ?? e?.cause?.status;
  }
  return 200;
}

async function oauthApp(site) {
  const base = await gatewayBase(site);
  const jira = oauthClient(base, 'oauth-app-token');
  const registered = await jira.webhooks.registerDynamicWebhooks({
    url: 'https://hooks.example.com/jira',
    webhooks: [
      { events: ['jira:issue_created', 'jira:issue_updated'], jqlFilter: 'project = ABC', fieldIdsFilter: ['summary'] },
      { events: ['jira:issue_updated'], jqlFilter: 'project is not EMPTY' },
    ],
  });
  const [created, rejected] = registered.webhookRegistrationResult;
  assert.equal(typeof created.createdWebhookId, 'number', JSON.stringify(registered));
  assert.deepEqual(rejected.errors, ['Operator is not is unsupported']);
  const id = created.createdWebhookId;

  const { nowMs } = await control(site, 'GET', '/_mock/clock');
  const in30Days = new Date(nowMs + 30 * 86_400_000).toISOString().replace('Z', '+0000');
  const page = await jira.webhooks.getDynamicWebhooksForApp({});
  assert.equal(page.total, 1);
  assert.equal(page.values[0].id, id);
  assert.equal(page.values[0].jqlFilter, 'project = ABC');
  assert.equal(page.values[0].expirationDate, in30Days, 'the string form, 30 days on');

  const other = await oauthClient(base, 'other-app-token').webhooks.getDynamicWebhooksForApp({});
  assert.equal(other.total, 0, 'another app sees none of them');

  await control(site, 'POST', '/_mock/clock', { advanceMs: 86_400_000 });
  const refreshed = await jira.webhooks.refreshWebhooks({ webhookIds: [id] });
  const in31Days = new Date(nowMs + 31 * 86_400_000).toISOString().replace('Z', '+0000');
  assert.equal(refreshed.expirationDate, in31Days);

  const failed = await jira.webhooks.getFailedWebhooks({ maxResults: 10 });
  assert.deepEqual(failed.values, []);

  await control(site, 'POST', '/_mock/faults', {
    rules: [{ path: '/rest/api/3/webhook', method: 'GET', kind: 'rateLimit', times: 1, retryAfter: 1 }],
  });
  assert.equal(await statusOf(jira.webhooks.getDynamicWebhooksForApp({})), 429, 'the injected 429 reaches jira.js');

  await jira.webhooks.deleteWebhookById({ webhookIds: [id] });
  const after = await jira.webhooks.getDynamicWebhooksForApp({});
  assert.equal(after.total, 0, 'deleted');

  assert.equal(await statusOf(oauthClient(base, 'no-such-token').webhooks.getDynamicWebhooksForApp({})), 401);
  assert.equal(
    await statusOf(oauthClient(site, 'oauth-app-token').webhooks.getDynamicWebhooksForApp({})),
    401,
    'an OAuth 2.0 token on the site URL, as Jira answers',
  );
  console.log('ok: OAuth 2.0 app (bearer): register, list, refresh, failed, 429, delete, 401');
}

async function issueLifecycle(site) {
  const jira = oauthClient(await gatewayBase(site), 'oauth-app-token');
  const summary = 'jira.js made this';
  const created = await jira.issues.createIssue({
    fields: {
      project: { key: 'ABC' },
      issuetype: { name: 'Task' },
      summary,
      description: 'A plain string: jira.js wraps it in ADF',
    },
  });
  assert.match(created.key, /^ABC-\d+$/, JSON.stringify(created));
  assert.match(created.id, /^\d+$/);

  const jql = 'project = ABC AND created >= -1d AND text ~ "wraps it" ORDER BY created DESC';
  const found = await jira.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
    jql,
    fields: ['summary', 'status'],
    maxResults: 10,
  });
  assert.deepEqual(found.issues.map((i) => i.key), [created.key], JSON.stringify(found));
  assert.equal(found.issues[0].fields.summary, summary);
  assert.equal(found.isLast, true);
  const older = await jira.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: 'created < -1d' });
  assert.deepEqual(older.issues, [], 'nothing is older than a day');
  assert.equal(
    await statusOf(jira.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: 'created > yesterday' })),
    400,
    'a date Jira cannot read',
  );

  await jira.issues.deleteIssue({ issueIdOrKey: created.key });
  assert.equal(await statusOf(jira.issues.getIssue({ issueIdOrKey: created.key })), 404, 'gone after delete');
  const after = await jira.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: `key = ${created.key}` });
  assert.deepEqual(after.issues, [], 'a deleted issue is not found');
  console.log(`ok: OAuth 2.0 app issues: createIssue ${created.key}, enhanced search (created, text), deleteIssue, 404`);
}

async function connectApp(base) {
  const jira = connectClient(base, 'connect-app-secret');
  const registered = await jira.webhooks.registerDynamicWebhooks({
    url: 'https://connect-app.example.com/webhook-received',
    webhooks: [{ events: ['jira:issue_created'], jqlFilter: 'project IN (ABC, DEF) AND status = Done' }],
  });
  const id = registered.webhookRegistrationResult[0].createdWebhookId;
  assert.equal(typeof id, 'number', JSON.stringify(registered));

  const page = await jira.webhooks.getDynamicWebhooksForApp({ startAt: 0, maxResults: 50 });
  assert.deepEqual(page.values.map((w) => w.id), [id], 'only its own webhook');
  const failed = await jira.webhooks.getFailedWebhooks({ maxResults: 100, after: 0 });
  assert.deepEqual(failed.values, []);
  const refreshed = await jira.webhooks.refreshWebhooks({ webhookIds: [id] });
  assert.match(refreshed.expirationDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  await jira.webhooks.deleteWebhookById({ webhookIds: [id] });
  assert.equal((await jira.webhooks.getDynamicWebhooksForApp({})).total, 0);

  // Repeated non-ASCII values: jira.js signs them sorted as decoded strings (zeta before émile),
  // as atlassian-jwt and Jira do; in this request order, sorting the encoded forms gives another
  // hash, so jr-mock must sort the same way to accept the call.
  const repeated = await jira.sendRequest({
    url: '/rest/api/3/webhook?startAt=0&l=zeta&l=ab&l=%C3%A9mile&%C3%A9=1&z=2',
    method: 'GET',
  });
  assert.deepEqual(repeated.values, [], 'a Connect call with repeated non-ASCII query values is accepted');

  const forged = connectClient(base, 'not-the-shared-secret');
  assert.equal(await statusOf(forged.webhooks.getDynamicWebhooksForApp({})), 401, 'a JWT with the wrong secret');
  console.log('ok: Connect app (JWT with qsh): register, list, failed, refresh, delete, repeated non-ASCII query values, 401');
}

async function pagedCatalog(base) {
  const jira = userClient(base, 'user-token');
  const keys = [];
  let startAt = 0;
  for (let page = 0; page < 10; page += 1) {
    const answer = await jira.projects.searchProjects({ startAt, maxResults: 1 });
    assert.equal(answer.startAt, startAt, 'the page asked for');
    keys.push(...answer.values.map((p) => p.key));
    if (answer.isLast) break;
    startAt += answer.values.length;
  }
  assert.deepEqual(keys, ['EX', 'ABC'], 'every project once, then isLast');
  assert.equal(await statusOf(userClient(base, 'wrong-token').projects.searchProjects({})), 401);
  assert.equal(await statusOf(userClient(base, 'wrong-token').myself.getCurrentUser()), 401);
  const me = await jira.myself.getCurrentUser();
  assert.equal(me.emailAddress, 'user@example.com');
  console.log('ok: API token (basic): searchProjects pages to the end, myself, 401 for a wrong token');
}

const { child, base } = await startMock();
let failure;
try {
  await oauthApp(base);
  await issueLifecycle(base);
  await connectApp(base);
  await pagedCatalog(base);
} catch (e) {
  failure = e;
} finally {
  child.kill('SIGTERM');
}
if (failure) {
  console.error('jira.js against jr-mock FAILED:', failure);
  process.exit(1);
}
console.log('jira.js against jr-mock: all checks passed');
