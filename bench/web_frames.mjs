#!/usr/bin/env node
// Frame-time benchmark of the node page with 1,000 tracks at 1 Hz, in headless Chromium.
// usage: node bench/web_frames.mjs [--url http://127.0.0.1:PORT/] [--seconds 30] [--tracks 1000]
//          [--viewport 1366x768] [--warmup 5] [--shot FILE.png] [--flush 1|0]
// Without --url a server is started: build-web/tests/web_load (the C load generator) when it
// exists, otherwise tests/web/mock_server.mjs --tracks N; the page is built with
// scripts/web-build.sh into a temporary directory.
// Measures (1) render time: the duration of the page's render function (window.twStats.frames);
// with --flush 1 (default) the page is opened with ?flush=1 and ends each render with a 1-pixel
// getImageData, so that the time includes the canvas rasterisation Chromium otherwise defers
// (--flush 0: JavaScript and path building only),
// (2) requestAnimationFrame intervals, sampled separately by an injected rAF loop.
// Prints median / p95 and the ratio to the 33 ms budget, then one JSON line.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'web/package.json'));
const { chromium } = require('playwright-core');

const opt = { url: null, seconds: '30', tracks: '1000', viewport: '1366x768', warmup: '5', shot: '', flush: '1' };
for (let i = 2; i < process.argv.length; i++) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in opt) || i + 1 >= process.argv.length) { console.error(`web_frames: bad option ${process.argv[i]}`); process.exit(2); }
  opt[k] = process.argv[++i];
}
const SECONDS = +opt.seconds, NT = +opt.tracks, BUDGET = 33;
const [vw, vh] = opt.viewport.split('x').map(Number);

function freePort() {
  return new Promise((res, rej) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); s.on('error', rej); });
}
async function waitHttp(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { const r = await fetch(url); if (r.ok) return true; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

let child = null, tmp = null, serverKind = 'given';
const rssSamples = []; // web_load's memory, once a second
let url = opt.url;
if (!url) {
  tmp = mkdtempSync(join(tmpdir(), 'tw-web-'));
  execFileSync(join(ROOT, 'scripts/web-build.sh'), [tmp], { stdio: 'inherit' });
  const port = await freePort();
  const webLoad = process.env.WEB_LOAD || join(ROOT, 'build-web/tests/web_load');
  if (existsSync(webLoad)) {
    serverKind = 'web_load';
    child = spawn(webLoad, ['--port', String(port), '--root', tmp, '--tracks', String(NT),
      '--seconds', String(SECONDS + 60), '--areas', join(ROOT, 'data/areas.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
    // its once-a-second {"t","rss_kb",...} lines: the daemon's memory while the page keeps up
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i); buf = buf.slice(i + 1);
        try { const j = JSON.parse(line); if (typeof j.rss_kb === 'number') rssSamples.push({ t: Date.now(), kb: j.rss_kb, queued: j.sse_queued_bytes }); } catch { /* the banner */ }
      }
    });
  } else {
    serverKind = 'mock_server';
    child = spawn(process.execPath, [join(ROOT, 'tests/web/mock_server.mjs'), '--root', tmp, '--port', String(port),
      '--tracks', String(NT)], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  url = `http://127.0.0.1:${port}/`;
  if (!await waitHttp(url + 'api/state', 15000)) { console.error(`web_frames: ${serverKind} did not answer on ${url}`); child.kill(); process.exit(1); }
}
if (opt.flush === '1') { const u = new URL(url); u.searchParams.set('flush', '1'); url = u.toString(); }
const cleanup = () => { if (child) child.kill(); if (tmp) rmSync(tmp, { recursive: true, force: true }); };

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic'] });
const page = await browser.newPage({ viewport: { width: vw, height: vh } });
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
await page.addInitScript(() => {
  window.__raf = [];
  let last = 0;
  const loop = (t) => { if (last) { window.__raf.push(t - last); if (window.__raf.length > 20000) window.__raf.shift(); } last = t; requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
});
await page.goto(url, { waitUntil: 'load' });
// warm-up: until (nearly) all tracks are drawn, then a few seconds more
try {
  await page.waitForFunction((n) => window.twStats && window.twStats.tracksDrawn >= Math.min(n, 1) && document.querySelectorAll('#tracks li').length >= n * 0.9, NT, { timeout: 60000 });
} catch { console.error('web_frames: the page never showed the tracks'); }
await page.waitForTimeout(+opt.warmup * 1000);
const measureFrom = Date.now();
const start = await page.evaluate(() => ({ renders: window.twStats.renders ?? window.twStats.frames.length, raf: window.__raf.length, states: window.twStats.states }));
await page.waitForTimeout(SECONDS * 1000);
const end = await page.evaluate((s) => {
  const st = window.twStats;
  const n = (st.renders ?? st.frames.length) - s.renders;
  return { frames: st.frames.slice(-Math.min(n, st.frames.length)), raf: window.__raf.slice(s.raf), tracksDrawn: st.tracksDrawn,
    states: st.states - s.states, listed: document.querySelectorAll('#tracks li').length, basemapMs: st.basemapMs };
}, start);
if (opt.shot) await page.screenshot({ path: opt.shot });
const ingest = await page.evaluate(() => ({ stateMs: window.twStats.stateMs, listMs: window.twStats.listMs, parts: window.twStats.parts }));
await browser.close();
cleanup();

function pct(a, p) { if (!a.length) return NaN; const s = a.slice().sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]; }
const r = {
  server: serverKind, url, flush: opt.flush === '1', viewport: opt.viewport, seconds: SECONDS, tracks_requested: NT, tracks_drawn: end.tracksDrawn, tracks_listed: end.listed,
  states_received: end.states, renders: end.frames.length,
  render_ms: { median: +pct(end.frames, 0.5).toFixed(2), p95: +pct(end.frames, 0.95).toFixed(2), max: +Math.max(...end.frames).toFixed(2) },
  raf_interval_ms: { median: +pct(end.raf, 0.5).toFixed(2), p95: +pct(end.raf, 0.95).toFixed(2), max: +Math.max(...end.raf).toFixed(2), samples: end.raf.length },
  basemap_ms: +(+end.basemapMs).toFixed(2), last_state_ingest_ms: +(+ingest.stateMs).toFixed(2), last_list_update_ms: +(+ingest.listMs).toFixed(2), last_render_parts_ms: Object.fromEntries(Object.entries(ingest.parts || {}).map(([k, v]) => [k, +v.toFixed(2)])), budget_ms: BUDGET,
  errors,
};
r.ratio_median_to_budget = +(r.render_ms.median / BUDGET).toFixed(3);
r.ratio_p95_to_budget = +(r.render_ms.p95 / BUDGET).toFixed(3);
const during = rssSamples.filter((x) => x.t >= measureFrom);
if (during.length >= 2) {
  r.server_rss_kb = { first: during[0].kb, last: during[during.length - 1].kb, max: Math.max(...during.map((x) => x.kb)) };
  r.server_rss_growth = +(r.server_rss_kb.last / r.server_rss_kb.first).toFixed(3);
  r.server_sse_queued_max_bytes = Math.max(...during.map((x) => x.queued ?? 0));
}
r.pass = r.render_ms.median < BUDGET && end.tracksDrawn > 0 && errors.length === 0;
console.log(`server ${serverKind}, ${r.tracks_drawn} tracks drawn (${r.tracks_listed} listed), ${r.states_received} states in ${SECONDS} s, ${r.renders} renders`);
console.log(`render   median ${r.render_ms.median} ms  p95 ${r.render_ms.p95} ms  max ${r.render_ms.max} ms  (median/budget ${r.ratio_median_to_budget}, p95/budget ${r.ratio_p95_to_budget}, budget ${BUDGET} ms)`);
console.log(`rAF      median ${r.raf_interval_ms.median} ms  p95 ${r.raf_interval_ms.p95} ms  max ${r.raf_interval_ms.max} ms  (${r.raf_interval_ms.samples} intervals)`);
if (r.server_rss_kb) console.log(`server   RSS ${r.server_rss_kb.first} -> ${r.server_rss_kb.last} kB over the measurement (x${r.server_rss_growth}), SSE queued at most ${r.server_sse_queued_max_bytes} bytes`);
console.log(JSON.stringify(r));
process.exit(r.pass ? 0 : 1);
