#!/usr/bin/env node
// Mock of the node's web interface (docs/web-api.md) for developing and testing the page
// without triwatchd: static files from ROOT, /api/state, /api/areas (data/areas.json as
// GeoJSON), /api/events (SSE), replaying a synthetic Hwasong-12-like flight (launch 40.61N
// 126.43E, bearing 84.5 deg, over Aomori, impact ~4,500 km downrange), or, with --tracks N,
// N synthetic tracks with full 600 s histories published at 1 Hz (for bench/web_frames.mjs).
//
// usage: node tests/web/mock_server.mjs --root DIR [--port P (0 = any; the port is printed)]
//          [--node JPN|KOR|USA] [--speed X (scenario s per wall s, default 10)] [--start T]
//          [--tracks N] [--token T] [--eez-demo] [--areas data/areas.json]
// Prints "listening http://127.0.0.1:PORT/" on stdout once ready.
import http from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { join, normalize, extname, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = { port: 0, node: 'JPN', speed: 10, start: 0, tracks: 0, token: null, root: null,
  areas: resolve(here, '../../data/areas.json'), 'eez-demo': false };
for (let i = 2; i < process.argv.length; i++) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in args)) { console.error(`mock_server: unknown option --${k}`); process.exit(2); }
  if (typeof args[k] === 'boolean') args[k] = true; else args[k] = process.argv[++i];
}
if (!args.root) { console.error('mock_server: --root DIR is required'); process.exit(2); }
const NODE = args.node, SPEED = +args.speed, NTRACKS = +args.tracks | 0;

// ---------------------------------------------------------------------------------------------
// areas -> GeoJSON
const areasRaw = JSON.parse(readFileSync(args.areas, 'utf8'));
const features = areasRaw.map((a) => ({ type: 'Feature',
  properties: { code: a.code, name: a.name, nation: a.nation, kind: 'land' },
  geometry: { type: 'Polygon', coordinates: a.rings } }));
if (args['eez-demo']) {
  // NOT real data: a rough hand-drawn outline to exercise the EEZ drawing only.
  features.push({ type: 'Feature', properties: { code: 'EEZ-DEMO', name: 'Demo EEZ (approximate)', nation: 'JPN', kind: 'eez' },
    geometry: { type: 'Polygon', coordinates: [[[138, 44], [146, 46], [150, 42], [146, 36], [142, 30], [136, 32], [132, 36], [138, 44]]] } });
}
const AREAS = JSON.stringify({ type: 'FeatureCollection', features });

// ---------------------------------------------------------------------------------------------
// geometry
const R = 6371008.8, RAD = Math.PI / 180;
function dest(lat, lon, brg, d) {
  const p1 = lat * RAD, l1 = lon * RAD, b = brg * RAD, dr = d / R;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(dr) + Math.cos(p1) * Math.sin(dr) * Math.cos(b));
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(dr) * Math.cos(p1), Math.cos(dr) - Math.sin(p1) * Math.sin(p2));
  return [p2 / RAD, ((l2 / RAD + 540) % 360) - 180];
}
function bearingAt(lat, lon, brg, d) { // forward azimuth along the great circle at distance d
  const a = dest(lat, lon, brg, d), b = dest(lat, lon, brg, d + 1000);
  const p1 = a[0] * RAD, p2 = b[0] * RAD, dl = (b[1] - a[1]) * RAD;
  return (Math.atan2(Math.sin(dl) * Math.cos(p2), Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl)) / RAD + 360) % 360;
}
const r1 = (x) => Math.round(x * 10) / 10, r4 = (x) => Math.round(x * 1e4) / 1e4;

// ---------------------------------------------------------------------------------------------
// the flight (scenario seconds)
const L = { lat: 40.61, lon: 126.43, brg: 84.5 };
const RANGE = 4500e3, T_BOOST = 70, S_BOOST = 100e3, VG = 3450;
const T_IMPACT = T_BOOST + (RANGE - S_BOOST) / VG;
function ground(t) { return t <= T_BOOST ? S_BOOST * (t / T_BOOST) ** 2 : Math.min(RANGE, S_BOOST + (t - T_BOOST) * VG); }
function flight(t) {
  const s = ground(t), [lat, lon] = dest(L.lat, L.lon, L.brg, s);
  const f = s / RANGE;
  const alt = t <= T_BOOST ? 150e3 * (t / T_BOOST) ** 1.5 : Math.max(0, 150e3 + (4 * 970e3 * f * (1 - f)) - 150e3 * f);
  const speed = t <= T_BOOST ? 4600 * t / T_BOOST : VG * 1.2 + (1 - Math.abs(0.5 - f) * 2) * -800 + 800;
  const phase = t <= T_BOOST ? 'boost' : (f > 0.85 ? 'reentry' : 'ballistic');
  return { lat, lon, alt, speed, phase };
}
// when the ground track is over Aomori (~1.15-1.26 Mm) and passes south of Hokkaido's Oshima
const T_AOMORI = Math.round(T_BOOST + (1200e3 - S_BOOST) / VG);
const T_HOKKAIDO = Math.round(T_BOOST + (1290e3 - S_BOOST) / VG);
const [IMP_LAT, IMP_LON] = dest(L.lat, L.lon, L.brg, RANGE);
const AZ = bearingAt(L.lat, L.lon, L.brg, RANGE);

const TIMELINE = [
  [0, 'scenario started; watching'],
  [18, 'USA#1 new track from USA sensor (boost)'],
  [20, 'fused picture shows GTN 1 from partner data (USA#1)'],
  [34, 'KOR#1 associated with GTN 1'],
  [52, 'JPN#1 own radar track associated with GTN 1'],
  [75, 'boost end detected; first impact prediction for GTN 1'],
  [92, 'GTN 2 (JPN#2, object separating from GTN 1) — not releasable to KOR'],
  [100, 'overflight warning issued: Aomori (JP-02), Hokkaido (JP-01)'],
  [200, 'partner KOR link down (no heartbeat for 3 s)'],
  [260, 'partner KOR link up'],
  [T_AOMORI + 8, 'Aomori (JP-02) overflight passed'],
  [T_HOKKAIDO + 8, 'Hokkaido (JP-01) overflight passed'],
  [Math.round(T_IMPACT), 'GTN 1 impact at sea, ~' + Math.round(RANGE / 1000) + ' km from launch'],
];
function visibleTo(marking) { return marking.includes(NODE); }

function flightState(t, withHistory) {
  const tracks = [], predictions = [];
  const mkTrack = (id, nation, sources, marking, t0, fn, t1) => {
    if (t < t0 || t > t1) return null;
    if (!visibleTo(marking)) return null;
    const p = fn(t);
    const tr = { id, nation, sources, lat: r4(p.lat), lon: r4(p.lon), alt_m: Math.round(p.alt), speed_mps: Math.round(p.speed),
      phase: p.phase, marking, t_s: r1(t) };
    if (withHistory) {
      tr.history = [];
      for (let u = Math.max(t0, t - 600); u <= t; u += 1) { const q = fn(u); tr.history.push([r1(u), r4(q.lat), r4(q.lon), Math.round(q.alt)]); }
    }
    tracks.push(tr);
    return tr;
  };
  const g1sources = t < 34 ? ['USA#1'] : t < 52 ? ['USA#1', 'KOR#1'] : ['USA#1', 'KOR#1', 'JPN#1'];
  const id1 = `${NODE}-1`;
  const tr1 = mkTrack(id1, 'USA', g1sources, 'REL TO USA, JPN, KOR', 18, flight, T_IMPACT);
  // a separating object seen by Japan only, releasable to the USA (never shown on a KOR node)
  const debris = (u) => { const p = flight(u); const k = Math.max(0, u - 92);
    return { ...p, lat: p.lat - k * 0.0035, alt: Math.max(0, p.alt - k * 1500), speed: p.speed * 0.8, phase: 'reentry' }; };
  mkTrack(`${NODE}-2`, 'JPN', ['JPN#2'], 'REL TO JPN, USA', 92, debris, 330);
  if (tr1 && t >= 75) {
    const k = Math.max(0.05, Math.exp(-(t - 75) / 250));
    const off = 150e3 * k;
    const [clat, clon] = dest(IMP_LAT, IMP_LON, AZ + 20, off);
    predictions.push({ track: id1, t_s: r1(t), impact: { lat: r4(clat), lon: r4(clon), t_s: r1(T_IMPACT + 12 * k), sigma_t_s: r1(40 * k + 2),
      e50: { a_m: Math.round(120e3 * k + 8e3), b_m: Math.round(35e3 * k + 3e3), az_deg: r1(AZ) },
      e95: { a_m: Math.round(245e3 * k + 16e3), b_m: Math.round(72e3 * k + 6e3), az_deg: r1(AZ) } },
      launch: t >= 30 ? { lat: 40.6, lon: 126.4, t_s: 0.5 } : null });
  }
  const alerts = [];
  if (t >= 100) {
    const st = (tp) => (t < tp + 8 ? 'warning' : 'passed');
    alerts.push({ id: `triwatch-${NODE}-0001`, area_code: 'JP-02', area_name: 'Aomori', kind: 'overflight', status: st(T_AOMORI),
      expected_t_s: T_AOMORI, first_warned_s: 100, probability: 1.0, why: `predicted ground track crosses Aomori at T+${T_AOMORI} s` });
    alerts.push({ id: `triwatch-${NODE}-0002`, area_code: 'JP-01', area_name: 'Hokkaido', kind: 'overflight', status: st(T_HOKKAIDO),
      expected_t_s: T_HOKKAIDO, first_warned_s: 100, probability: 0.62, why: `95% corridor of the ground track touches Hokkaido at T+${T_HOKKAIDO} s` });
  }
  if (t >= 120 && t < 180) {
    alerts.push({ id: `triwatch-${NODE}-0003`, area_code: 'JP-03', area_name: 'Iwate', kind: 'overflight', status: 'cancelled',
      expected_t_s: T_AOMORI + 4, first_warned_s: 110, probability: 0.05, why: 'corridor narrowed; Iwate no longer overflown' });
  }
  const others = ['USA', 'JPN', 'KOR'].filter((n) => n !== NODE);
  const partners = others.map((n, i) => {
    const down = n === 'KOR' && t >= 200 && t < 260 || NODE === 'KOR' && n === 'JPN' && t >= 200 && t < 260;
    return { nation: n, link: `${NODE.toLowerCase()}-${n.toLowerCase()}`, up: !down,
      last_heard_s: r1(down ? 197 : Math.max(0, t - 0.2 - i * 0.1)), latency_ms: r1(1.8 + i * 0.9 + Math.sin(t / 7 + i) * 0.6),
      received: Math.round(t * (2 - i * 0.4)) };
  });
  const timeline = TIMELINE.filter(([u]) => u <= t).map(([u, text]) => ({ t_s: u, text }))
    .filter((e) => NODE !== 'KOR' || !/GTN 2/.test(e.text));
  return { tracks, predictions, alerts, partners, timeline };
}

// ---------------------------------------------------------------------------------------------
// load mode: N tracks on great circles through the region, 1 Hz
const LOADT = [];
function rng(seed) { let s = seed >>> 0; return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32); }
if (NTRACKS) {
  const rnd = rng(42), nations = ['USA', 'JPN', 'KOR'];
  for (let i = 0; i < NTRACKS; i++) {
    LOADT.push({ id: `${NODE}-${i + 1}`, nation: nations[i % 3], lat: 25 + rnd() * 30, lon: 120 + rnd() * 55,
      brg: rnd() * 360, v: 200 + rnd() * 3000, t0: -600 - rnd() * 200, alt: 10e3 + rnd() * 500e3 });
  }
}
function loadState(t, withHistory) {
  const pos = (o, u) => { const [lat, lon] = dest(o.lat, o.lon, o.brg, o.v * (u - o.t0)); return [lat, lon]; };
  const tracks = LOADT.map((o) => {
    const [lat, lon] = pos(o, t);
    const tr = { id: o.id, nation: o.nation, sources: [`${o.nation}#${o.id.split('-')[1]}`], lat: r4(lat), lon: r4(lon),
      alt_m: Math.round(o.alt), speed_mps: Math.round(o.v), phase: 'ballistic', marking: 'REL TO USA, JPN, KOR', t_s: r1(t) };
    if (withHistory) {
      tr.history = [];
      for (let u = Math.ceil(t - 600); u <= t; u++) { const [a, b] = pos(o, u); tr.history.push([u, r4(a), r4(b), Math.round(o.alt)]); }
    }
    return tr;
  });
  const predictions = LOADT.slice(0, 50).map((o) => {
    const [lat, lon] = pos(o, t + 600);
    return { track: o.id, t_s: r1(t), impact: { lat: r4(lat), lon: r4(lon), t_s: r1(t + 600), sigma_t_s: 5,
      e50: { a_m: 60e3, b_m: 20e3, az_deg: r1(o.brg) }, e95: { a_m: 120e3, b_m: 40e3, az_deg: r1(o.brg) } },
      launch: { lat: r4(o.lat), lon: r4(o.lon), t_s: r1(o.t0) } };
  });
  const codes = areasRaw.filter((a) => a.nation === 'JPN').slice(0, 20);
  const alerts = codes.map((a, i) => ({ id: `triwatch-${NODE}-${1000 + i}`, area_code: a.code, area_name: a.name,
    kind: 'overflight', status: i % 4 === 0 ? 'passed' : 'warning', expected_t_s: r1(t + 60 + i * 10),
    first_warned_s: 0, probability: 0.5, why: 'load test' }));
  const partners = ['USA', 'JPN', 'KOR'].filter((n) => n !== NODE).map((n) => ({ nation: n, link: `${NODE.toLowerCase()}-${n.toLowerCase()}`,
    up: true, last_heard_s: r1(t - 0.1), latency_ms: 2.0, received: Math.round(t * 1000) }));
  return { tracks, predictions, alerts, partners, timeline: [{ t_s: 0, text: `load test: ${NTRACKS} tracks` }] };
}

// ---------------------------------------------------------------------------------------------
const wall0 = Date.now();
const START_UTC = Date.parse('2022-10-03T22:22:00Z');
function scenarioT() { return +args.start + ((Date.now() - wall0) / 1000) * SPEED; }
function state(withHistory) {
  const t = NTRACKS ? (Date.now() - wall0) / 1000 + +args.start : Math.min(scenarioT(), T_IMPACT + 120);
  const body = NTRACKS ? loadState(t, withHistory) : flightState(t, withHistory);
  return { node: NODE,
    scenario: { name: NTRACKS ? `load test, ${NTRACKS} tracks` : 'Hwasong-12 over Aomori, 2022-10-04 (mock)', start_utc: '2022-10-03T22:22:00Z', exercise: true },
    t_s: r1(t), utc: new Date(START_UTC + Math.round(t) * 1000).toISOString().replace(/\.\d+Z$/, 'Z'), ...body };
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml' };
const COMMON = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "default-src 'self'" };
const clients = new Set();
let port = +args.port;

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const host = req.headers.host || '';
  if (!/^(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(host)) { res.writeHead(421, COMMON); res.end('misdirected\n'); return; }
  if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, COMMON); res.end(); return; }
  if (args.token && url.pathname.startsWith('/api/')) {
    const ok = req.headers.authorization === `Bearer ${args.token}` || (url.pathname === '/api/events' && url.searchParams.get('token') === args.token);
    if (!ok) { res.writeHead(401, COMMON); res.end('unauthorized\n'); return; }
  }
  const json = (obj) => { res.writeHead(200, { ...COMMON, 'Content-Type': 'application/json' }); res.end(typeof obj === 'string' ? obj : JSON.stringify(obj)); };
  if (url.pathname === '/api/state') return json(state(true));
  if (url.pathname === '/api/areas') return json(AREAS);
  if (url.pathname === '/api/events') {
    res.writeHead(200, { ...COMMON, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    const c = { res, seen: new Set() };
    clients.add(c);
    sendTo(c);
    req.on('close', () => clients.delete(c));
    return;
  }
  let p = url.pathname === '/' ? '/index.html' : url.pathname;
  p = normalize(p);
  if (p.includes('..')) { res.writeHead(400, COMMON); res.end(); return; }
  const file = join(args.root, p);
  try {
    if (!statSync(file).isFile()) throw new Error();
    const data = readFileSync(file);
    res.writeHead(200, { ...COMMON, 'Content-Type': MIME[extname(file)] || 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : data);
  } catch { res.writeHead(404, COMMON); res.end('not found\n'); }
});
function sendTo(c, s = state(false)) {
  c.res.write(`event: state\ndata: ${JSON.stringify(s)}\n\n`);
  for (const e of s.timeline) {
    const k = e.t_s + e.text;
    if (!c.seen.has(k)) { c.seen.add(k); c.res.write(`event: timeline\ndata: ${JSON.stringify(e)}\n\n`); }
  }
}
setInterval(() => { if (!clients.size) return; const s = state(false); for (const c of clients) sendTo(c, s); }, NTRACKS ? 1000 : 500);
server.listen(port, '127.0.0.1', () => {
  port = server.address().port;
  console.log(`listening http://127.0.0.1:${port}/`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
