// An app's webhook test against jr-mock, with Node's built-in test runner and jira.js as
// the app's Jira client: register a dynamic webhook, make jr-mock fire an event, receive
// the signed delivery at a local receiver, and read the failures of a failing endpoint.
// Everything stays on 127.0.0.1. Run: JR_MOCK_BIN=/path/to/jr-mock npm test

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { startJrMock } from 'jr-mock';
import { Version3Client } from 'jira.js';

/** A receiver on a free loopback port: 200 on /hook, 500 on /broken; remembers what came. */
function startReceiver() {
  const received = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ path: request.url, headers: request.headers, body: JSON.parse(body) });
      response.writeHead(request.url === '/broken' ? 500 : 200).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}`, received, close: () => server.close() }),
    ),
  );
}

/** What an OAuth 2.0 app does with a delivery: check the HS256 signature and `exp`. */
function verifyBearer(authorization, clientSecret) {
  const [scheme, token] = authorization.split(' ');
  assert.equal(scheme, 'Bearer');
  const [header, claims, signature] = token.split('.');
  const expected = crypto.createHmac('sha256', clientSecret).update(`${header}.${claims}`).digest('base64url');
  assert.equal(signature, expected, 'signed with the client secret');
  return JSON.parse(Buffer.from(claims, 'base64url').toString());
}

let jira;
let receiver;

before(async () => {
  // --retry-delay-ms: equal, short retry delays, so the clock moves predictably.
  // --oauth-reads-failed: the OAuth app reads its failed deliveries (by default only
  // Connect apps may, as the spec says).
  jira = await startJrMock({ args: ['--retry-delay-ms', '60000', '--oauth-reads-failed'] });
  receiver = await startReceiver();
});

after(async () => {
  await jira?.stop();
  receiver?.close();
});

const issueCreated = {
  webhookEvent: 'jira:issue_created',
  issue: { key: 'ABC-1', fields: { project: { key: 'ABC' }, issuetype: { name: 'Bug' }, status: { name: 'To Do' } } },
};

test('a registered webhook receives a signed delivery', async () => {
  const app = jira.identities.oauthApp;
  const client = new Version3Client({
    // OAuth 2.0 tokens work only through the API gateway prefix, as on Atlassian's cloud.
    host: jira.gatewayUrl,
    authentication: { oauth2: { accessToken: app.token } },
    baseRequestConfig: { proxy: false },
  });
  const registered = await client.webhooks.registerDynamicWebhooks({
    url: `${receiver.url}/hook`,
    webhooks: [{ events: ['jira:issue_created'], jqlFilter: 'project = ABC' }],
  });
  const id = registered.webhookRegistrationResult[0].createdWebhookId;
  assert.equal(typeof id, 'number');

  const sent = await jira.sendEvent(issueCreated);
  assert.equal(sent.deliveries.length, 1);

  const delivery = receiver.received.find((r) => r.path === '/hook');
  assert.ok(delivery, 'the receiver got the event');
  assert.equal(delivery.body.webhookEvent, 'jira:issue_created');
  assert.deepEqual(delivery.body.matchedWebhookIds, [id]);
  const claims = verifyBearer(delivery.headers.authorization, app.clientSecret);
  assert.ok(claims.exp * 1000 > (await jira.now()), 'not expired');
  assert.ok(delivery.headers['x-atlassian-webhook-identifier']);
});

test('a failing endpoint ends in the failed-delivery store', async () => {
  const connect = jira.identities.connectApp;
  const client = new Version3Client({
    // A Connect app calls the site itself, signing each request with its shared secret.
    host: jira.baseUrl,
    authentication: { jwt: { issuer: connect.key, secret: connect.sharedSecret, expiryTimeSeconds: 180 } },
    baseRequestConfig: { proxy: false },
  });
  await client.webhooks.registerDynamicWebhooks({
    url: `${receiver.url}/broken`,
    webhooks: [{ events: ['jira:issue_created'], jqlFilter: 'project = ABC' }],
  });
  await jira.sendEvent(issueCreated);
  // Jira retries a failed delivery; a day of virtual time runs every retry at once.
  await jira.advance(24 * 60 * 60 * 1000);

  const failed = await client.webhooks.getFailedWebhooks({});
  assert.ok(failed.values.length >= 1, JSON.stringify(failed));
  assert.equal(failed.values[0].url, `${receiver.url}/broken`);
  const store = await jira.failed();
  assert.equal(store.length, failed.values.length);
  const attempts = (await jira.deliveries()).filter((d) => d.url.endsWith('/broken'));
  assert.ok(attempts.length > 1, 'retried before giving up');
});
