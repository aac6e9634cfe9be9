// jr-mock's inspector (/_mock/ui) in a real browser: headless Chromium driven over the
// DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages ended by NUL on file
// descriptors 3 and 4), so no driver library is needed.
//
// Starts a fresh jr-mock (JR_MOCK_BIN, default ../../target/debug/jr-mock), registers two
// webhooks (one left to expire, one live pointing at a closed port on 127.0.0.1), sends an
// event whose deliveries all fail, loads the page and checks that the webhook URLs, the
// expired mark, the failed delivery and the clock appear; clicks "Advance clock" (a real
// mouse event at the button) and checks that the expiry shown moves by a day; moves the clock
// from outside and waits for the page to show it (the live event stream); sends an event from
// the keyboard (Tab to the button, Enter) and checks that its attempt appears; opens an
// attempt's headers and body with a click; saves a screenshot (the first argument, default
// ../../docs/inspector.png). Exits non-zero on the first mismatch. CHROMIUM names the browser (default: chromium on the PATH).
//
// Nothing leaves 127.0.0.1: Chromium's background services are off, every other host is sent
// to a closed local proxy port and its names resolve to nothing.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const binary = process.env.JR_MOCK_BIN ?? path.join(here, '../../target/debug/jr-mock');
const chromium = process.env.CHROMIUM ?? 'chromium';
const screenshot = path.resolve(process.argv[2] ?? path.join(here, '../../docs/inspector.png'));
const CLOUD_ID = 'a436116f-02ce-4520-8fbb-7301462a1674';
const DAY = 86_400_000;
const RETRY_DELAY = 60_000;

/** Starts jr-mock; resolves with the child, its base URL and its stderr so far. */
function startMock() {
  const child = spawn(binary, ['--port', '0', '--retry-delay-ms', String(RETRY_DELAY)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('jr-mock printed no URL within 10 s')), 10_000);
    child.on('error', reject);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const prefix = 'jr-mock listening on ';
      if (!line.startsWith(prefix)) reject(new Error(`unexpected first line: ${line}`));
      else resolve({ child, base: line.slice(prefix.length).trim(), stderr });
    });
  });
}

async function http(base, method, route, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const resp = await fetch(base + route, { method, headers, body: body && JSON.stringify(body) });
  const json = await resp.json();
  assert.equal(resp.status, 200, `${method} ${route}: ${JSON.stringify(json)}`);
  return json;
}

/** A URL on 127.0.0.1 where nothing listens. */
async function closedPortUrl() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/hook`;
}

async function register(base, token, url, jql) {
  const body = { url, webhooks: [{ events: ['jira:issue_created'], jqlFilter: jql }] };
  const route = `/ex/jira/${CLOUD_ID}/rest/api/3/webhook`;
  const result = await http(base, 'POST', route, body, token);
  return result.webhookRegistrationResult[0].createdWebhookId;
}

/** The page's own time format, for comparing what it shows. */
const fmtTime = (ms) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/** Chromium over the DevTools protocol on a pipe. */
class Browser {
  constructor(profile) {
    this.child = spawn(chromium, [
      '--headless', '--no-sandbox', '--no-zygote', '--disable-gpu', '--remote-debugging-pipe',
      `--user-data-dir=${profile}`, '--window-size=1280,900', '--hide-scrollbars',
      '--no-first-run', '--no-default-browser-check', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps',
      '--disable-domain-reliability', '--disable-breakpad', '--metrics-recording-only', '--no-pings',
      '--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication',
      '--proxy-server=127.0.0.1:9', '--proxy-bypass-list=127.0.0.1',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      'about:blank',
    ], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    this.next = 1;
    this.waiting = new Map();
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    let buffered = Buffer.alloc(0);
    this.child.stdio[4].on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      let end;
      while ((end = buffered.indexOf(0)) >= 0) {
        this.receive(JSON.parse(buffered.subarray(0, end).toString('utf8')));
        buffered = buffered.subarray(end + 1);
      }
    });
  }

  receive(message) {
    const call = this.waiting.get(message.id);
    if (!call) return;
    this.waiting.delete(message.id);
    if (message.error) call.reject(new Error(`${call.method}: ${message.error.message}`));
    else call.resolve(message.result);
  }

  /** Sends one command (to the page's session when given); fails after 10 s. */
  send(method, params = {}, sessionId) {
    const id = this.next++;
    const message = { id, method, params, ...(sessionId ? { sessionId } : {}) };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer within 10 s`)), 10_000);
      this.waiting.set(id, {
        method,
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.child.stdio[3].write(JSON.stringify(message) + '\0');
    });
  }

  async open(url) {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId);
    await page.send('Emulation.setDeviceMetricsOverride',
      { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
    await page.send('Page.navigate', { url });
    return page;
  }

  async close() {
    try { await this.send('Browser.close'); } catch { this.child.kill(); }
    let timer;
    await Promise.race([this.exited, new Promise((r) => { timer = setTimeout(r, 5_000); })]);
    clearTimeout(timer);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

class Page {
  constructor(browser, sessionId) { this.browser = browser; this.sessionId = sessionId; }
  send(method, params) { return this.browser.send(method, params, this.sessionId); }

  async eval(expression) {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.text}`);
    return r.result.value;
  }

  /** Evaluates `expression` every 50 ms until it is truthy, for at most 10 s (an exception,
   *  as while the page is still loading, counts as not yet). */
  async until(expression, what) {
    for (let i = 0; i < 200; i++) {
      const value = await this.eval(expression).catch(() => false);
      if (value) return value;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the page never showed ${what}`);
  }

  text(selector) { return this.eval(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? null`); }

  /** A real click: mouse pressed and released at the middle of the element. */
  async click(selector) {
    const box = await this.eval(`(() => { const r = document.querySelector(${JSON.stringify(selector)})
      .getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`);
    for (const type of ['mousePressed', 'mouseReleased']) {
      await this.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
    }
  }

  /** A key pressed and released; `text` is what it types (Enter's is a carriage return). */
  async key(key, code, keyCode, text) {
    await this.send('Input.dispatchKeyEvent',
      { type: 'keyDown', key, code, windowsVirtualKeyCode: keyCode, ...(text ? { text } : {}) });
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', key, code, windowsVirtualKeyCode: keyCode });
  }
}

const { child: mock, base, stderr } = await startMock();
const profile = mkdtempSync(path.join(os.tmpdir(), 'jr-mock-inspector-'));
let browser;
try {
  // 1. A webhook left to expire, then a live one whose every delivery fails.
  const expiring = 'http://127.0.0.1:9/expiring-hook';
  await register(base, 'other-app-token', expiring, 'project = OLD');
  await http(base, 'POST', '/_mock/clock', { advanceMs: 31 * DAY });
  const failing = await closedPortUrl();
  const id = await register(base, 'oauth-app-token', failing, 'project = ABC');
  const sent = await http(base, 'POST', '/_mock/ui/send', { event: 'jira:issue_created', issue: 'ABC-1' });
  assert.equal(sent.deliveries.length, 1, JSON.stringify(sent));
  await http(base, 'POST', '/_mock/clock', { advanceMs: 6 * RETRY_DELAY });
  const { failed } = await http(base, 'GET', '/_mock/failed');
  assert.equal(failed.length, 1, JSON.stringify(failed));
  const deliveryId = failed[0].id;
  assert.ok(stderr.some((l) => l.includes(`inspector ${base}/_mock/ui`)), stderr.join('\n'));

  // 2. The page shows the webhooks, the expired mark, the failure and the clock.
  const started = Date.now();
  browser = new Browser(profile);
  const page = await browser.open(`${base}/_mock/ui`);
  await page.until(`document.body.dataset.version && document.getElementById('live').textContent === 'live'`,
    'its first state and a live event stream');
  const { nowMs } = await http(base, 'GET', '/_mock/clock');
  assert.equal(await page.text('#clock'), fmtTime(nowMs));
  const hooks = await page.text('#apps');
  assert.ok(hooks.includes(failing) && hooks.includes(expiring), hooks);
  const expiredRow = await page.text('tr.webhook.expired-row');
  assert.ok(expiredRow.includes(expiring) && expiredRow.includes('expired'), expiredRow);
  assert.ok((await page.text('#failed')).includes(deliveryId));
  const attempts = await page.eval(`document.querySelectorAll('#deliveries tr.attempt').length`);
  assert.equal(attempts, 6, 'attempt 1 and its five retries');
  // The expiry shown for the live webhook, as an expression the page evaluates.
  const expiryShown = `[...document.querySelectorAll('tr.webhook')]
    .find((r) => r.textContent.includes(${JSON.stringify(String(id))})).querySelector('.expiry span').textContent`;
  const expiry = () => page.eval(expiryShown);
  const before = await expiry();
  assert.match(before, /^in 29 d 23 h$/);

  // 3. A real click on "Advance clock" (1 day by default) moves the expiry shown by a day.
  assert.equal(await page.eval(`document.getElementById('advance-amount').value`), '1');
  await page.click('#advance');
  await page.until(`document.getElementById('clock').textContent === ${JSON.stringify(fmtTime(nowMs + DAY))}`,
    'the clock a day later');
  assert.equal((await http(base, 'GET', '/_mock/clock')).nowMs, nowMs + DAY);
  await page.until(`(${expiryShown}) === 'in 28 d 23 h'`, 'the expiry a day nearer')
    .catch(async (e) => { throw new Error(`${e.message}: ${await expiry()}`); });

  // 4. Live: a change made elsewhere (here, by this script) reaches the page by its event stream.
  const { nowMs: later } = await http(base, 'POST', '/_mock/clock', { advanceMs: 60_000 });
  await page.until(`document.getElementById('clock').textContent === ${JSON.stringify(fmtTime(later))}`,
    'the clock moved by another client');

  // 5. The keyboard alone: focus the issue field, Tab to "Send event", press Enter.
  await page.eval(`document.getElementById('event-issue').focus()`);
  await page.key('Tab', 'Tab', 9);
  await page.key('Tab', 'Tab', 9);
  assert.equal(await page.eval(`document.activeElement.id`), 'send-event');
  await page.key('Enter', 'Enter', 13, '\r');
  await page.until(`document.querySelectorAll('#deliveries tr.attempt').length === 7`, 'the new attempt');
  assert.match(await page.text('#message'), /jira:issue_created sent: 1 delivery attempt/);

  // 6. An attempt's headers and body on click.
  await page.click('#deliveries tr.attempt button');
  await page.until(`!document.getElementById('detail').hidden`, 'the details panel');
  assert.ok((await page.text('#detail-headers')).includes('X-Atlassian-Webhook-Identifier'));
  assert.ok((await page.text('#detail-body')).includes('"webhookEvent": "jira:issue_created"'));
  await page.click('#detail-close');
  await page.until(`document.getElementById('detail').hidden`, 'the details panel closed');

  // 7. The picture for the README: the whole page, 1280 CSS pixels wide.
  const { cssContentSize } = await page.send('Page.getLayoutMetrics');
  const clip = { x: 0, y: 0, width: 1280, height: Math.ceil(cssContentSize.height), scale: 1 };
  const shot = await page.send('Page.captureScreenshot', { format: 'png', clip, captureBeyondViewport: true });
  writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
  console.log(`inspector checks passed in the browser in ${Date.now() - started} ms; screenshot ${screenshot}`);
} finally {
  if (browser) await browser.close();
  mock.kill();
  rmSync(profile, { recursive: true, force: true });
}
