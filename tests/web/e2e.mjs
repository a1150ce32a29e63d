#!/usr/bin/env node
// End-to-end check of a node's page in Debian's Chromium (playwright-core, no browser download).
// usage: node tests/web/e2e.mjs --url http://127.0.0.1:PORT/ --shots DIR [--expect-areas JP-02,JP-01]
//          [--forbid-marking-without KOR] [--timeout S (default 120)] [--viewport 1366x768]
// Waits until the page shows a launch point (#launch > 0), a track (#tracks li), an impact
// ellipse (#ellipses > 0) and each expected area shaded (warning, or already passed/impacted),
// screenshotting each milestone into DIR; polls #tracks throughout for markings; fails on any
// console error, page error, failed request or request to a host other than 127.0.0.1.
// Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed"; exit 0 iff all pass.
import { mkdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(resolve(here, '../../web/package.json'));
const { chromium } = require('playwright-core');

const opt = { url: null, shots: null, 'expect-areas': '', 'forbid-marking-without': '', timeout: '120', viewport: '1366x768' };
for (let i = 2; i < process.argv.length; i++) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in opt) || i + 1 >= process.argv.length) { console.error(`e2e: bad option ${process.argv[i]}`); process.exit(2); }
  opt[k] = process.argv[++i];
}
if (!opt.url || !opt.shots) { console.error('usage: node tests/web/e2e.mjs --url URL --shots DIR [--expect-areas A,B] [--forbid-marking-without NATION] [--timeout S]'); process.exit(2); }
mkdirSync(opt.shots, { recursive: true });
const expectAreas = opt['expect-areas'].split(',').map((s) => s.trim()).filter(Boolean);
const forbidWithout = opt['forbid-marking-without'].trim();
const timeoutMs = +opt.timeout * 1000;
const [vw, vh] = opt.viewport.split('x').map(Number);

let passed = 0, failed = 0;
function check(ok, what) {
  if (ok) { passed++; console.log(`ok - ${what}`); } else { failed++; console.log(`not ok - ${what}`); }
}

const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const consoleErrors = [], foreign = [], failedReq = [], markingViolations = new Map();
let browser;
try {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'] });
} catch (e) {
  console.log(`not ok - launch chromium: ${e.message.split('\n')[0]}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const page = await browser.newPage({ viewport: { width: vw, height: vh } });
page.on('console', (m) => {
  if (m.type() !== 'error') return;
  // the browser's own /favicon.ico probe is not the page's doing (the contract has no icon)
  const loc = (m.location() && m.location().url) || '';
  if (/\/favicon\.ico$/.test(loc)) { console.log(`# ignored: ${m.text()} (${loc})`); return; }
  consoleErrors.push(m.text() + (loc ? ` (${loc})` : ''));
});
page.on('pageerror', (e) => consoleErrors.push('pageerror: ' + e.message));
page.on('request', (r) => {
  let host = '';
  try { const u = new URL(r.url()); host = u.protocol === 'data:' || u.protocol === 'blob:' ? '127.0.0.1' : u.hostname; } catch { host = '?'; }
  if (host !== '127.0.0.1') foreign.push(r.url());
});
page.on('requestfailed', (r) => {
  // an EventSource being torn down at the end is not a failure
  if (!/\/api\/events/.test(r.url())) failedReq.push(`${r.url()} ${r.failure() && r.failure().errorText}`);
});

// what the page shows, polled
async function snapshot() {
  return page.evaluate(() => {
    const num = (id) => { const e = document.getElementById(id); return e ? parseInt(e.textContent, 10) || 0 : 0; };
    return {
      launch: num('launch'), ellipses: num('ellipses'),
      tracks: [...document.querySelectorAll('#tracks li')].map((li) => ({ id: li.dataset.id, nation: li.dataset.nation, marking: li.dataset.marking })),
      areas: [...document.querySelectorAll('#threatened li')].map((li) => ({ code: li.dataset.code, status: li.dataset.status })),
      stats: window.twStats ? { frames: window.twStats.frames.length, lastStateT: window.twStats.lastStateT } : null,
    };
  });
}
function markingOk(m) {
  // "REL TO USA, JPN, KOR": the list after "REL TO" must name the nation
  const mm = /REL TO\s+(.*)$/i.exec(m || '');
  if (!mm) return false;
  return mm[1].split(/[,\s]+/).map((s) => s.trim().toUpperCase()).includes(forbidWithout.toUpperCase());
}

const seen = {};   // milestone -> seconds
const want = ['launch', 'track', 'ellipse', ...expectAreas.map((a) => 'area ' + a)];
let loaded = false;
try {
  const resp = await page.goto(opt.url, { waitUntil: 'load', timeout: 30000 });
  loaded = !!resp && resp.ok();
  check(loaded, `page loads (${resp ? resp.status() : 'no response'})`);
  await page.waitForFunction(() => window.twStats && typeof window.twStats.frames === 'object', null, { timeout: 15000 });
  check(true, 'window.twStats present');
} catch (e) {
  check(false, `page loads and exposes window.twStats: ${e.message.split('\n')[0]}`);
}

let last = null;
let shotN = 0;
async function shot(name) {
  const file = join(opt.shots, `${String(++shotN).padStart(2, '0')}-${name.replace(/[^A-Za-z0-9_-]+/g, '_')}.png`);
  await page.screenshot({ path: file });
  console.log(`# screenshot ${file} at ${secs()} s`);
}
if (loaded) {
  await shot('loaded');
  while (Date.now() - t0 < timeoutMs) {
    try { last = await snapshot(); } catch (e) { consoleErrors.push('evaluate: ' + e.message); break; }
    if (forbidWithout) {
      for (const t of last.tracks) if (!markingOk(t.marking)) markingViolations.set(t.id, t.marking);
    }
    const now = [];
    if (last.launch > 0) now.push('launch');
    if (last.tracks.length > 0) now.push('track');
    if (last.ellipses > 0) now.push('ellipse');
    for (const a of expectAreas) {
      const li = last.areas.find((x) => x.code === a);
      if (li && ['warning', 'passed', 'impacted'].includes(li.status)) now.push('area ' + a);
      if (li && !seen['status ' + a + ' ' + li.status]) seen['status ' + a + ' ' + li.status] = secs();
    }
    for (const m of now) if (!seen[m]) { seen[m] = secs(); await shot(m); }
    if (want.every((m) => seen[m])) break;
    await page.waitForTimeout(250);
  }
  // keep watching the markings a little longer after the milestones
  if (forbidWithout) {
    for (let i = 0; i < 8; i++) {
      await page.waitForTimeout(250);
      const s = await snapshot();
      for (const t of s.tracks) if (!markingOk(t.marking)) markingViolations.set(t.id, t.marking);
    }
  }
  await shot('final');
  // keyboard: focus the map, zoom in and out, pan, follow; the page must still render
  try {
    await page.focus('#map');
    const before = await page.evaluate(() => window.twStats.frames.length);
    for (const k of ['+', '+', 'ArrowLeft', 'ArrowUp', 'f']) await page.keyboard.press(k);
    await page.waitForTimeout(600);
    await shot('keyboard-zoomed');
    for (const k of ['f', '0']) await page.keyboard.press(k);
    const after = await page.evaluate(() => window.twStats.frames.length);
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    check(after > before && focused === 'map', `keyboard: map focusable, +/arrows/f redraw (${after - before} frames)`);
  } catch (e) { check(false, 'keyboard: ' + e.message.split('\n')[0]); }
}

for (const m of want) check(!!seen[m], `${m} shown` + (seen[m] ? ` (first at ${seen[m]} s)` : ` (not within ${opt.timeout} s)`));
for (const a of expectAreas) {
  const st = Object.keys(seen).filter((k) => k.startsWith('status ' + a + ' ')).map((k) => `${k.split(' ')[2]}@${seen[k]}s`);
  console.log(`# ${a} statuses seen: ${st.join(', ') || 'none'}`);
}
if (forbidWithout) {
  const v = [...markingViolations].map(([id, m]) => `${id} "${m}"`);
  check(v.length === 0, `every track shown is marked releasable to ${forbidWithout}` + (v.length ? `: ${v.join('; ')}` : ''));
}
if (last && last.stats) {
  const fr = await page.evaluate(() => window.twStats.frames.slice()).catch(() => []);
  const s = fr.slice().sort((a, b) => a - b);
  if (s.length) console.log(`# frames ${s.length}, median ${s[s.length >> 1].toFixed(2)} ms, max ${s[s.length - 1].toFixed(2)} ms`);
}
check(consoleErrors.length === 0, 'no console errors' + (consoleErrors.length ? ': ' + consoleErrors.slice(0, 5).join(' | ') : ''));
check(foreign.length === 0, 'no request to a host other than 127.0.0.1' + (foreign.length ? ': ' + foreign.slice(0, 5).join(' ') : ''));
check(failedReq.length === 0, 'no failed request' + (failedReq.length ? ': ' + failedReq.slice(0, 5).join(' | ') : ''));

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
