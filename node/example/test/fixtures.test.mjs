// Serving a recorded answer: startJrMock({ fixtures: DIR }) answers a request that matches a
// recording (`jr --record DIR`, format jr-recording/1) with the recorded status and body, its
// site URLs moved to jr-mock, and says so in the request journal. Everything is on 127.0.0.1.
// Run: JR_MOCK_BIN=/path/to/jr-mock npm test

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJrMock } from 'jr-mock';

const SITE = 'https://your-domain.atlassian.net';

test('a recorded answer is served with its URLs moved to jr-mock', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jr-mock-fixtures-'));
  const recording = {
    format: 'jr-recording/1',
    time: 1764619200000,
    operationId: 'getIssue',
    base: { url: SITE, cloudId: null },
    request: { method: 'GET', path: '/rest/api/3/issue/SHOP-7', query: [], headers: [], body: null },
    response: {
      status: 200,
      headers: [['content-type', 'application/json']],
      body: { json: { key: 'SHOP-7', self: `${SITE}/rest/api/3/issue/20001` } },
    },
  };
  writeFileSync(join(dir, 'getIssue.1.json'), JSON.stringify(recording));
  const jira = await startJrMock({ fixtures: dir });
  try {
    const { email, token } = jira.identities.user;
    const response = await fetch(`${jira.baseUrl}/rest/api/3/issue/SHOP-7`, {
      headers: { Authorization: `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}` },
    });
    assert.equal(response.status, 200);
    assert.equal(
      await response.text(),
      JSON.stringify({ key: 'SHOP-7', self: `${jira.baseUrl}/rest/api/3/issue/20001` }),
    );
    const served = (await jira.requests()).filter((r) => r.path === '/rest/api/3/issue/SHOP-7');
    assert.deepEqual(
      served.map((r) => [r.source, r.fixture]),
      [['fixture', 'getIssue.1.json']],
    );
  } finally {
    await jira.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
