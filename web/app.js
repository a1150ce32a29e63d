// triwatch node page: the live common operating picture of one node (docs/web-api.md).
// Plain ES module; d3-geo / d3-array are loaded as classic scripts (window.d3), the coastline
// window as window.TW_LAND (vendor/land.js). Everything is drawn on one <canvas>:
//   basemap (ocean, graticule, land, areas, EEZs)  -> offscreen canvas, redrawn on zoom/pan only
//   threatened areas, ellipses, launch points, trails, tracks -> every frame, batched in Path2D
// Points are projected once into "unit" coordinates (the projection at scale 1, translate 0)
// and mapped to the screen per frame by x*S+Tx, y*S+Ty, so zoom/pan never re-projects history.
'use strict';

const d3 = window.d3;
const NATION_COLOR = { USA: '#4da3ff', JPN: '#ff5a5a', KOR: '#3ddc84' };
const OTHER_COLOR = '#d0d0d0';
const NATIONS = ['USA', 'JPN', 'KOR', 'OTHER'];
const LOCAL_ZONE = { JPN: ['JST', 9], KOR: ['KST', 9], USA: ['UTC', 0] };
const HISTORY_S = 600;          // trail length kept (contract: history is the last 600 s)
const EARTH_R = 6371008.8;      // mean Earth radius (m), spherical direct formula
const STATUS_RANK = { warning: 4, impacted: 3, passed: 2, cancelled: 1 };
const REGION = { w: 115, e: 180, s: 20, n: 60 };

// ---------------------------------------------------------------------------------------------
// state
const params = new URLSearchParams(location.search);
const token = params.get('token');
const FLUSH = params.get('flush') === '1';
const authInit = token ? { headers: { Authorization: 'Bearer ' + token } } : {};

const stats = { frames: [], tracksDrawn: 0, lastStateT: null, renders: 0, basemapMs: 0, states: 0, parts: {} };
window.twStats = stats;

const model = {
  node: null,
  scenario: null,
  t_s: null, utc: null,          // of the last state
  recvWall: 0, rate: 1,          // performance.now() at receipt, scenario seconds per wall second
  tracks: new Map(),             // id -> track record (below)
  predictions: [],
  alerts: [],
  partners: [],
  timeline: [],                  // {t_s, text, kind}
  timelineKeys: new Set(),
  alertStatus: new Map(),        // alert id -> status (for alert-change timeline entries)
  areas: [],                     // {code, name, nation, kind, geo (normalised), cx, cy (unit)}
  areaByCode: new Map(),
  seq: 0,                        // arrival order for "newest track"
};

// ---------------------------------------------------------------------------------------------
// projection and view
const unitProj = d3.geoConicConformal().parallels([30, 50]).rotate([-150, 0]).scale(1).translate([0, 0]);
const view = { w: 0, h: 0, dpr: 1, S0: 1, k: 1, cx: 0, cy: 0, c0x: 0, c0y: 0, S: 1, Tx: 0, Ty: 0, gen: 0 };
// precision(0): no adaptive resampling. Every input is dense already (areas ~1 km, land 1:50m,
// graticule 1 deg, ellipses 72 points), and resampling was most of the basemap's cost.
const screenProj = d3.geoConicConformal().parallels([30, 50]).rotate([-150, 0]).precision(0);

function regionOutline() {
  const pts = [];
  for (let lon = REGION.w; lon <= REGION.e; lon += 1) { pts.push([lon, REGION.s]); pts.push([lon, REGION.n]); }
  for (let lat = REGION.s; lat <= REGION.n; lat += 1) { pts.push([REGION.w, lat]); pts.push([REGION.e, lat]); }
  return { type: 'MultiPoint', coordinates: pts };
}
const REGION_GEO = regionOutline();

function fitBase() {
  const pad = Math.max(8, Math.min(view.w, view.h) * 0.02);
  const p = d3.geoConicConformal().parallels([30, 50]).rotate([-150, 0])
    .fitExtent([[pad, pad], [view.w - pad, view.h - pad]], REGION_GEO);
  const S0 = p.scale(), T = p.translate();
  view.S0 = S0;
  view.c0x = (view.w / 2 - T[0]) / S0;
  view.c0y = (view.h / 2 - T[1]) / S0;
}
function applyView() {
  view.S = view.S0 * view.k;
  view.Tx = view.w / 2 - view.cx * view.S;
  view.Ty = view.h / 2 - view.cy * view.S;
  screenProj.scale(view.S).translate([view.Tx, view.Ty]).clipExtent([[-2, -2], [view.w + 2, view.h + 2]]);
  view.gen++;
  basemapDirty = true;
  areaPathCache.clear();
  requestRender();
}
function resetView() { view.k = 1; view.cx = view.c0x; view.cy = view.c0y; applyView(); }
function zoomBy(f, sx, sy) {
  const k = Math.min(60, Math.max(0.6, view.k * f));
  if (sx !== undefined) { // keep the unit point under (sx, sy) fixed
    const ux = (sx - view.Tx) / view.S, uy = (sy - view.Ty) / view.S;
    const S = view.S0 * k;
    view.cx = ux - (sx - view.w / 2) / S;
    view.cy = uy - (sy - view.h / 2) / S;
  }
  view.k = k;
  applyView();
}
function panBy(dxPx, dyPx) { view.cx += dxPx / view.S; view.cy += dyPx / view.S; applyView(); }

// ---------------------------------------------------------------------------------------------
// geometry helpers
const RAD = Math.PI / 180;
// Spherical direct problem: the point at distance d (m) on bearing brg (deg) from (lat, lon).
function destination(lat, lon, brgDeg, d) {
  const p1 = lat * RAD, l1 = lon * RAD, b = brgDeg * RAD, dr = d / EARTH_R;
  const sp1 = Math.sin(p1), cp1 = Math.cos(p1), sdr = Math.sin(dr), cdr = Math.cos(dr);
  const p2 = Math.asin(sp1 * cdr + cp1 * sdr * Math.cos(b));
  const l2 = l1 + Math.atan2(Math.sin(b) * sdr * cp1, cdr - sp1 * Math.sin(p2));
  return [l2 / RAD, p2 / RAD];
}
// Ellipse of semi-axes a (along azimuth az, clockwise from north) and b, as n geodesic
// points from its centre: [lon, lat] ring, closed.
function ellipseRing(lat, lon, a, b, azDeg, n = 72) {
  const ring = [];
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    const x = a * Math.cos(t), y = b * Math.sin(t);   // x along the major axis, y to its right
    ring.push(destination(lat, lon, azDeg + Math.atan2(y, x) / RAD, Math.hypot(x, y)));
  }
  ring.push(ring[0]);
  return ring;
}
function unit(lon, lat) { return unitProj([lon, lat]); }

// Areas: every ring becomes its own polygon wound the way d3 wants (small area), and is filled
// with the even-odd rule, which gives the "even-odd union of its rings" of data/areas.json.
function normaliseGeometry(g) {
  const rings = [];
  if (!g) return null;
  const take = (r) => {
    if (!Array.isArray(r) || r.length < 3) return;
    const ring = r.map((p) => [+p[0], +p[1]]);
    const f = ring[0], l = ring[ring.length - 1];
    if (f[0] !== l[0] || f[1] !== l[1]) ring.push([f[0], f[1]]);
    if (d3.geoArea({ type: 'Polygon', coordinates: [ring] }) > 2 * Math.PI) ring.reverse();
    rings.push(ring);
  };
  if (g.type === 'Polygon') g.coordinates.forEach(take);
  else if (g.type === 'MultiPolygon') g.coordinates.forEach((p) => p.forEach(take));
  else if (g.type === 'GeometryCollection') {
    for (const sub of g.geometries || []) { const n = normaliseGeometry(sub); if (n) n.coordinates.forEach((p) => rings.push(p[0])); }
  } else return null;
  if (!rings.length) return null;
  return { type: 'MultiPolygon', coordinates: rings.map((r) => [r]) };
}

function loadAreas(fc) {
  const out = [];
  for (const f of (fc && fc.features) || []) {
    const p = f.properties || {};
    const geo = normaliseGeometry(f.geometry);
    if (!geo || !p.code) continue;
    // label anchor: centroid of the largest ring
    let best = null, bestA = -1;
    for (const poly of geo.coordinates) {
      const a = d3.geoArea({ type: 'Polygon', coordinates: poly });
      if (a > bestA) { bestA = a; best = poly; }
    }
    const c = unitProj(d3.geoCentroid({ type: 'Polygon', coordinates: best }));
    const kind = p.kind === 'eez' ? 'eez' : 'land';
    out.push({ code: String(p.code), name: String(p.name || p.code), nation: String(p.nation || ''), kind, geo,
      cx: c ? c[0] : 0, cy: c ? c[1] : 0, area: bestA });
  }
  model.areas = out;
  model.areaByCode = new Map(out.map((a) => [a.code, a]));
  basemapDirty = true;
  areaPathCache.clear();
  requestRender();
}

// ---------------------------------------------------------------------------------------------
// incoming state
function nationKey(n) { return NATION_COLOR[n] ? n : 'OTHER'; }

function trackRecord(id) {
  let tr = model.tracks.get(id);
  if (!tr) {
    tr = { id, seq: model.seq++, nation: '', marking: '', sources: [], lat: 0, lon: 0, alt: 0, speed: 0,
      phase: '', t: -Infinity, ts: [], xs: [], ys: [], start: 0, ux: 0, uy: 0 };
    model.tracks.set(id, tr);
  }
  return tr;
}
function pushHist(tr, t, lat, lon) {
  const n = tr.ts.length;
  if (n > tr.start && t < tr.ts[n - 1] + 0.999) return;   // at most one point a second
  const u = unit(lon, lat);
  if (!u || !isFinite(u[0])) return;
  tr.ts.push(t); tr.xs.push(u[0]); tr.ys.push(u[1]);
}
function trimHist(tr, tNow) {
  const lim = tNow - HISTORY_S;
  while (tr.start < tr.ts.length && tr.ts[tr.start] < lim) tr.start++;
  if (tr.start > 256 && tr.start > tr.ts.length / 2) {
    tr.ts = tr.ts.slice(tr.start); tr.xs = tr.xs.slice(tr.start); tr.ys = tr.ys.slice(tr.start); tr.start = 0;
  }
}

function onState(s, withHistory) {
  if (!s || typeof s !== 'object') return;
  const wall = performance.now();
  try { ingest(s, withHistory, wall); } finally { stats.stateMs = performance.now() - wall; }
}
function ingest(s, withHistory, wall) {
  if (typeof s.t_s === 'number') {
    if (model.t_s !== null && wall > model.recvWall + 200) {
      const r = (s.t_s - model.t_s) / ((wall - model.recvWall) / 1000);
      if (isFinite(r) && r >= 0) model.rate = Math.min(100, 0.5 * model.rate + 0.5 * r);
    }
    model.t_s = s.t_s;
    model.recvWall = wall;
  }
  model.utc = s.utc ? Date.parse(s.utc) : model.utc;
  if (s.node && s.node !== model.node) { model.node = s.node; renderHeader(); }
  if (s.scenario) { model.scenario = s.scenario; renderHeader(); }

  const seen = new Set();
  for (const t of s.tracks || []) {
    if (!t || !t.id) continue;
    seen.add(t.id);
    const tr = trackRecord(t.id);
    if (withHistory && Array.isArray(t.history)) {
      for (const h of t.history) if (Array.isArray(h) && h.length >= 3) pushHist(tr, +h[0], +h[1], +h[2]);
    }
    tr.nation = t.nation || ''; tr.marking = t.marking || ''; tr.sources = t.sources || [];
    tr.lat = +t.lat; tr.lon = +t.lon; tr.alt = +t.alt_m || 0; tr.speed = +t.speed_mps || 0;
    tr.phase = t.phase || ''; tr.t = +t.t_s;
    pushHist(tr, tr.t, tr.lat, tr.lon);
    const u = unit(tr.lon, tr.lat);
    if (u) { tr.ux = u[0]; tr.uy = u[1]; }
    trimHist(tr, model.t_s ?? tr.t);
  }
  for (const id of [...model.tracks.keys()]) if (!seen.has(id)) model.tracks.delete(id);

  model.predictions = (s.predictions || []).filter((p) => p && p.impact);
  prepPredictions();
  model.alerts = s.alerts || [];
  model.partners = s.partners || [];
  for (const e of s.timeline || []) addTimeline(e, 'node');
  alertChanges();
  stats.lastStateT = model.t_s;
  stats.states++;

  if (follow) followNewest();
  const l0 = performance.now();
  updateLists();
  stats.listMs = performance.now() - l0;
  requestRender();
}

// ellipses and launch points: geodesic rings computed once per distinct prediction
const ellCache = new Map();
function ringUnit(ring) {
  const xs = new Float64Array(ring.length), ys = new Float64Array(ring.length);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < ring.length; i++) {
    const u = unitProj(ring[i]); xs[i] = u ? u[0] : NaN; ys[i] = u ? u[1] : NaN;
    if (u) { if (u[0] < x0) x0 = u[0]; if (u[0] > x1) x1 = u[0]; if (u[1] < y0) y0 = u[1]; if (u[1] > y1) y1 = u[1]; }
  }
  return { xs, ys, size: Math.max(x1 - x0, y1 - y0), x0, x1, y0, y1 };
}
function prepPredictions() {
  const next = new Map();
  for (const p of model.predictions) {
    const im = p.impact;
    for (const which of ['e95', 'e50']) {
      const e = im[which];
      if (!e || !(e.a_m > 0)) continue;
      const key = `${im.lat},${im.lon},${e.a_m},${e.b_m},${e.az_deg}`;
      let r = ellCache.get(key);
      if (!r) r = ringUnit(ellipseRing(im.lat, im.lon, e.a_m, Math.max(1, Math.min(e.b_m || e.a_m, e.a_m)), e.az_deg || 0));
      next.set(key, r);
      p['_' + which] = r;
    }
    const c = unitProj([im.lon, im.lat]);
    p._c = c;
    const tr = model.tracks.get(p.track);
    if (tr && model.predictions.length <= 50) {
      const gi = d3.geoInterpolate([tr.lon, tr.lat], [im.lon, im.lat]);
      const ring = []; for (let i = 0; i <= 32; i++) ring.push(gi(i / 32));
      p._path = ringUnit(ring);
    }
    if (p.launch && typeof p.launch.lat === 'number') p._l = unitProj([p.launch.lon, p.launch.lat]);
  }
  ellCache.clear();
  for (const [k, v] of next) ellCache.set(k, v);
}

function fmtT(t) { return (t < 0 ? 'T' : 'T+') + t.toFixed(1); }
function addTimeline(e, kind) {
  if (!e) return;
  let t = +e.t_s, text = e.text;
  if (typeof text !== 'string') return;
  if (!isFinite(t)) t = model.t_s ?? 0;
  const key = t.toFixed(2) + '|' + text;
  if (model.timelineKeys.has(key)) return;
  model.timelineKeys.add(key);
  model.timeline.push({ t_s: t, text, kind });
  timelineDirty = true;
}
function alertChanges() {
  for (const a of model.alerts) {
    const prev = model.alertStatus.get(a.id);
    if (prev === a.status) continue;
    model.alertStatus.set(a.id, a.status);
    const what = `ALERT ${a.area_name || a.area_code} (${a.area_code})`;
    const when = `${a.kind === 'impact' ? 'impact' : 'overflight'} expected T+${(+a.expected_t_s).toFixed(0)} s`;
    if (!prev && typeof a.first_warned_s === 'number') {
      // first sight of this alert (maybe on page load): it was issued at first_warned_s
      addTimeline({ t_s: a.first_warned_s, text: `${what} WARNING issued: ${when}` }, 'alert');
      if (a.status !== 'warning') addTimeline({ t_s: model.t_s ?? 0, text: `${what} ${String(a.status).toUpperCase()} (${when})` }, 'alert');
    } else {
      addTimeline({ t_s: model.t_s ?? 0, text: `${what} ${prev ? prev + ' → ' : ''}${String(a.status).toUpperCase()}: ${when}` }, 'alert');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// events
let es = null, lastEvent = 0, retry = 1000, everOpened = false;
const connEl = document.getElementById('conn');
function setConn(cls, text) { connEl.className = 'conn ' + cls; connEl.textContent = text; }

async function fetchJSON(path) {
  const r = await fetch(path, { ...authInit, cache: 'no-store' });
  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
  return r.json();
}
async function loadInitial() {
  try { onState(await fetchJSON('/api/state'), true); } catch (e) { console.warn('state:', e.message); }
}
async function loadAreasRetry(delay = 1000) {
  try { loadAreas(await fetchJSON('/api/areas')); } catch (e) {
    console.warn('areas:', e.message);
    setTimeout(() => loadAreasRetry(Math.min(delay * 2, 30000)), delay);
  }
}
function connect() {
  if (es) es.close();
  const url = '/api/events' + (token ? '?token=' + encodeURIComponent(token) : '');
  es = new EventSource(url);
  setConn('conn-wait', everOpened ? 'reconnecting…' : 'connecting…');
  es.addEventListener('open', () => {
    lastEvent = performance.now(); retry = 1000;
    if (everOpened) loadInitial();   // refill history lost while disconnected
    everOpened = true;
    setConn('conn-up', 'LIVE');
  });
  es.addEventListener('state', (ev) => {
    lastEvent = performance.now();
    let s; try { s = JSON.parse(ev.data); } catch { return; }
    onState(s, false);
    setConn('conn-up', 'LIVE');
  });
  es.addEventListener('timeline', (ev) => {
    lastEvent = performance.now();
    let e; try { e = JSON.parse(ev.data); } catch { e = { text: String(ev.data) }; }
    addTimeline(e, 'node');
    updateTimeline();
  });
  es.addEventListener('error', () => {
    if (es.readyState === EventSource.CLOSED) {
      setConn('conn-down', 'DISCONNECTED — retrying');
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    } else setConn('conn-wait', 'reconnecting…');
  });
}
// watchdog: the node sends a state at least every 5 s
setInterval(() => {
  if (es && everOpened && performance.now() - lastEvent > 12000) { setConn('conn-down', 'STALE — reconnecting'); connect(); lastEvent = performance.now(); }
}, 2000);

// ---------------------------------------------------------------------------------------------
// DOM panels
const $ = (id) => document.getElementById(id);
function nowT() {
  if (model.t_s === null) return null;
  const dt = Math.min(5, Math.max(0, (performance.now() - model.recvWall) / 1000)) * model.rate;
  return model.t_s + dt;
}
function hms(ms) { return new Date(ms).toISOString().slice(11, 19); }
function renderHeader() {
  $('node-name').textContent = model.node ? model.node + ' node' : '—';
  const sc = model.scenario || {};
  $('scenario-name').textContent = sc.name || '—';
  $('exercise').hidden = !sc.exercise;
  document.body.classList.toggle('is-exercise', !!sc.exercise);
  const z = LOCAL_ZONE[model.node] || ['UTC', 0];
  $('clock-local-label').textContent = model.node === 'USA' ? 'Node (UTC)' : z[0];
  document.title = `triwatch ${model.node || ''}${sc.exercise ? ' — EXERCISE' : ''}`;
}
function updateClock() {
  const t = nowT();
  if (t === null) return;
  const m = Math.floor(Math.abs(t) / 60), s = Math.floor(Math.abs(t) % 60);
  $('clock-t').textContent = `T${t < 0 ? '-' : '+'}${m}:${String(s).padStart(2, '0')} (${t.toFixed(0)} s)`;
  if (model.utc) {
    const ms = model.utc + (t - model.t_s) * 1000;
    $('clock-utc').textContent = hms(ms) + 'Z';
    const z = LOCAL_ZONE[model.node] || ['UTC', 0];
    $('clock-local').textContent = hms(ms + z[1] * 3600e3) + (z[1] ? '' : 'Z');
  }
}
function countdown(exp, t) {
  const d = Math.round(exp - t);
  return d >= 0 ? `T-${d} s` : `T+${-d} s`;
}
// the most severe alert per area
function threatenedAreas() {
  const by = new Map();
  for (const a of model.alerts) {
    if (!a || !a.area_code) continue;
    const cur = by.get(a.area_code);
    if (!cur || (STATUS_RANK[a.status] || 0) > (STATUS_RANK[cur.status] || 0)) by.set(a.area_code, a);
  }
  return [...by.values()].sort((x, y) => (STATUS_RANK[y.status] || 0) - (STATUS_RANK[x.status] || 0) || (x.expected_t_s - y.expected_t_s));
}

function syncList(ul, items, keyOf, make, update) {
  // keyed reconciliation: reuse <li> by key, touch the DOM only where something changed
  const old = ul._items || new Map();
  const next = new Map();
  let order = '';
  for (const it of items) {
    const k = keyOf(it);
    let li = old.get(k);
    if (!li) li = make(it);
    update(li, it);
    next.set(k, li);
    order += k + '\n';
  }
  if (order !== ul._order) {
    const frag = document.createDocumentFragment();
    for (const li of next.values()) frag.appendChild(li);
    ul.replaceChildren(frag);
    ul._order = order;
  }
  ul._items = next;
}
function setText(el, s) { if (el.textContent !== s) el.textContent = s; }
function setAttr(el, k, v) { if (el.getAttribute(k) !== v) el.setAttribute(k, v); }

function updateThreatened() {
  const t = nowT() ?? 0;
  const list = threatenedAreas();
  syncList($('threatened'), list, (a) => a.area_code,
    () => { const li = document.createElement('li'); li.innerHTML = '<span class="a-name"></span><span class="a-badge"></span><span class="a-cd"></span><span class="a-why"></span>'; return li; },
    (li, a) => {
      setAttr(li, 'data-code', a.area_code);
      setAttr(li, 'data-status', a.status);
      setAttr(li, 'class', 'st-' + a.status);
      setText(li.children[0], `${a.area_name || a.area_code} (${a.area_code})`);
      setText(li.children[1], `${String(a.status).toUpperCase()} · ${a.kind}`);
      setText(li.children[2], a.status === 'warning' ? countdown(a.expected_t_s, t) : `at T+${(+a.expected_t_s).toFixed(0)} s`);
      setText(li.children[3], (typeof a.probability === 'number' ? `p=${a.probability.toFixed(2)} · ` : '') + (a.why || ''));
    });
  $('threatened-empty').hidden = list.length > 0;
  setText($('nthreat'), String(list.filter((a) => a.status === 'warning').length));
}
function trackText(tr) {
  return `${(tr.alt / 1000).toFixed(0)} km · ${(tr.speed / 1000).toFixed(1)} km/s · ${tr.phase}`;
}
function updateLists() {
  const tracks = [...model.tracks.values()].sort((a, b) => b.seq - a.seq);
  syncList($('tracks'), tracks, (t) => t.id,
    () => { const li = document.createElement('li'); li.innerHTML = '<i class="sym"></i><span class="t-id"></span><span class="t-kin"></span><span class="t-mark"></span>'; return li; },
    (li, tr) => {
      setAttr(li, 'data-id', tr.id);
      setAttr(li, 'data-nation', tr.nation);
      setAttr(li, 'data-marking', tr.marking);
      setAttr(li.children[0], 'class', 'sym sym-' + nationKey(tr.nation).toLowerCase());
      setText(li.children[1], `${tr.id} ${tr.nation}`);
      setText(li.children[2], trackText(tr));
      setText(li.children[3], tr.marking);
    });
  $('tracks-empty').hidden = tracks.length > 0;
  setText($('ntracks'), String(tracks.length));
  const launches = new Set();
  let ell = 0;
  for (const p of model.predictions) {
    if (p._l) launches.add(`${p.launch.lat.toFixed(3)},${p.launch.lon.toFixed(3)}`);
    if (p._e95 || p._e50) ell++;
  }
  setText($('launch'), String(launches.size));
  setText($('ellipses'), String(ell));

  const t = nowT() ?? 0;
  syncList($('partners'), model.partners, (p) => p.nation + '/' + p.link,
    () => { const li = document.createElement('li'); li.innerHTML = '<span class="p-nat"></span><span class="p-link"></span><span class="p-lat"></span><span class="p-heard"></span>'; return li; },
    (li, p) => {
      setAttr(li, 'class', p.up ? 'up' : 'down');
      setAttr(li, 'data-nation', p.nation);
      setText(li.children[0], `${p.nation} ${p.up ? 'UP' : 'DOWN'}`);
      setText(li.children[1], p.link || '');
      setText(li.children[2], typeof p.latency_ms === 'number' ? `${p.latency_ms.toFixed(1)} ms` : '— ms');
      const ago = typeof p.last_heard_s === 'number' ? Math.max(0, t - p.last_heard_s) : null;
      setText(li.children[3], ago === null ? 'never heard' : `heard ${ago < 10 ? ago.toFixed(1) : ago.toFixed(0)} s ago · ${p.received ?? 0} rx`);
    });
  updateThreatened();
  updateTimeline();
  updateClock();
}
let timelineDirty = false;
function updateTimeline() {
  if (!timelineDirty) return;
  timelineDirty = false;
  const tl = model.timeline.slice().sort((a, b) => b.t_s - a.t_s).slice(0, 300);
  syncList($('timeline'), tl, (e) => e.t_s.toFixed(2) + '|' + e.text,
    () => { const li = document.createElement('li'); li.innerHTML = '<time></time><span></span>'; return li; },
    (li, e) => { setAttr(li, 'class', 'tl-' + e.kind); setText(li.children[0], fmtT(e.t_s)); setText(li.children[1], e.text); });
}

// ---------------------------------------------------------------------------------------------
// drawing
const canvas = $('canvas');
const ctx = canvas.getContext('2d', { alpha: false });
const base = document.createElement('canvas');
const bctx = base.getContext('2d', { alpha: false });
let basemapDirty = true;
const areaPathCache = new Map();
let trackCache = null;
let graticule = null;

function areaPath(a) {
  let p = areaPathCache.get(a.code);
  if (!p) {
    p = new Path2D();
    d3.geoPath(screenProj, p)(a.geo);
    areaPathCache.set(a.code, p);
  }
  return p;
}
function cssVar(name, dflt) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || dflt; }
const theme = {};
function readTheme() {
  theme.font = cssVar('--font-map', 'system-ui, sans-serif');
  theme.fs = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
}

function drawBasemap() {
  const t0 = performance.now();
  const c = bctx, { w, h, dpr } = view;
  c.setTransform(dpr, 0, 0, dpr, 0, 0);
  c.fillStyle = '#061019';
  c.fillRect(0, 0, w, h);
  const path = d3.geoPath(screenProj, c);
  // graticule
  if (!graticule) graticule = d3.geoGraticule().extent([[90, 0], [220, 75]]).step([5, 5]).precision(1)();
  c.beginPath(); path(graticule);
  c.strokeStyle = 'rgba(140,170,200,0.13)'; c.lineWidth = 1; c.stroke();
  // land context (Natural Earth)
  if (window.TW_LAND) {
    c.beginPath(); path(window.TW_LAND);
    c.fillStyle = '#1b2631'; c.fill('evenodd');
    c.strokeStyle = '#52677a'; c.lineWidth = 0.8; c.stroke();
  }
  // areas (divisions) of the partners
  const land = model.areas.filter((a) => a.kind === 'land');
  c.beginPath();
  for (const a of land) path(a.geo);
  c.fillStyle = '#243446'; c.fill('evenodd');
  c.strokeStyle = '#5b7590'; c.lineWidth = 0.6; c.stroke();
  // EEZs: dashed, labelled approximate
  const eez = model.areas.filter((a) => a.kind === 'eez');
  if (eez.length) {
    c.save();
    c.setLineDash([7, 5]); c.strokeStyle = 'rgba(120,190,255,0.55)'; c.lineWidth = 1.2;
    c.beginPath(); for (const a of eez) path(a.geo); c.stroke();
    c.restore();
    c.font = `italic ${0.75 * theme.fs}px ${theme.font}`; c.fillStyle = 'rgba(140,200,255,0.75)'; c.textAlign = 'center';
    for (const a of eez) {
      const x = a.cx * view.S + view.Tx, y = a.cy * view.S + view.Ty;
      const name = /approximate/i.test(a.name) ? a.name : a.name + ' (approximate)';
      c.fillText(name, x, y);
    }
  }
  // names of divisions once zoomed in
  if (view.k >= 2.5) {
    c.font = `${0.7 * theme.fs}px ${theme.font}`; c.fillStyle = 'rgba(200,215,230,0.55)'; c.textAlign = 'center';
    for (const a of land) {
      const x = a.cx * view.S + view.Tx, y = a.cy * view.S + view.Ty;
      if (x > 0 && y > 0 && x < w && y < h && a.area * view.S * view.S > 4e-4 * 1e0) c.fillText(a.name, x, y);
    }
  }
  basemapDirty = false;
  stats.basemapMs = performance.now() - t0;
}

function ringPath(p, r, S, Tx, Ty) {
  linePath(p, r, S, Tx, Ty);
  p.closePath();
}
const placed = [];
function onScreen(r, S, Tx, Ty) {
  return r.x1 * S + Tx >= 0 && r.x0 * S + Tx <= view.w && r.y1 * S + Ty >= 0 && r.y0 * S + Ty <= view.h;
}
function linePath(p, r, S, Tx, Ty) {
  const { xs, ys } = r;
  let started = false;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] * S + Tx, y = ys[i] * S + Ty;
    if (!isFinite(x)) { started = false; continue; }
    if (!started) { p.moveTo(x, y); started = true; } else p.lineTo(x, y);
  }
}
function label(c, text, x, y, color, align = 'left') {
  // greedy de-cluttering: move down (up to 4 lines) while overlapping an earlier label
  const wdt = c.measureText(text).width, lh = theme.fs * 0.95;
  let x0 = align === 'center' ? x - wdt / 2 : x;
  for (let k = 0; k < 5; k++) {
    const hit = placed.some((r) => x0 < r[2] && x0 + wdt > r[0] && y - lh < r[3] && y > r[1]);
    if (!hit) break;
    if (k === 4) return;
    y += lh;
  }
  placed.push([x0, y - lh, x0 + wdt, y]);
  c.textAlign = align;
  c.lineWidth = 3; c.strokeStyle = 'rgba(0,0,0,0.85)'; c.strokeText(text, x, y);
  c.fillStyle = color; c.fillText(text, x, y);
}

let rafPending = false;
function requestRender() {
  if (rafPending) return;
  rafPending = true;
  requestAnimationFrame(() => { rafPending = false; render(); });
}

function render() {
  const t0 = performance.now();
  let tm = t0;
  const mark = (k) => { const n = performance.now(); stats.parts[k] = n - tm; tm = n; };
  if (!view.w) return;
  if (basemapDirty) drawBasemap();
  const { w, h, dpr, S, Tx, Ty } = view;
  const c = ctx;
  c.setTransform(1, 0, 0, 1, 0, 0);
  c.drawImage(base, 0, 0);
  c.setTransform(dpr, 0, 0, dpr, 0, 0);
  const t = nowT() ?? 0;
  const fs = theme.fs;

  mark('blit');
  // threatened areas
  const threat = threatenedAreas();
  const warnP = new Path2D(), greyP = new Path2D(), cancP = new Path2D();
  const labels = [];
  for (const a of threat) {
    const area = model.areaByCode.get(a.area_code);
    if (!area) continue;
    const p = areaPath(area);
    if (a.status === 'warning') warnP.addPath(p);
    else if (a.status === 'passed' || a.status === 'impacted') greyP.addPath(p);
    else cancP.addPath(p);
    labels.push([area, a]);
  }
  c.fillStyle = 'rgba(150,160,170,0.45)'; c.fill(greyP, 'evenodd');
  c.strokeStyle = '#b8c2cc'; c.lineWidth = 1.2; c.stroke(greyP);
  c.fillStyle = 'rgba(255,40,40,0.55)'; c.fill(warnP, 'evenodd');
  c.strokeStyle = '#ff7070'; c.lineWidth = 2; c.stroke(warnP);
  c.save(); c.setLineDash([4, 3]); c.strokeStyle = '#e0e0e0'; c.lineWidth = 1.5; c.stroke(cancP); c.restore();

  mark('threat');
  // impact ellipses and predicted ground path
  const e95 = new Path2D(), e50 = new Path2D(), cross = new Path2D(), launchP = new Path2D(), gpath = new Path2D();
  const nPred = model.predictions.length;
  const plabels = [];
  for (const p of model.predictions) {
    // an ellipse smaller than a few pixels is only its centre cross; one off screen is skipped
    if (p._e95 && p._e95.size * S >= 4 && onScreen(p._e95, S, Tx, Ty)) ringPath(e95, p._e95, S, Tx, Ty);
    if (p._e50 && p._e50.size * S >= 4 && onScreen(p._e50, S, Tx, Ty)) ringPath(e50, p._e50, S, Tx, Ty);
    if (p._path) linePath(gpath, p._path, S, Tx, Ty);
    if (p._c) {
      const x = p._c[0] * S + Tx, y = p._c[1] * S + Ty, r = 0.45 * fs;
      cross.moveTo(x - r, y - r); cross.lineTo(x + r, y + r); cross.moveTo(x - r, y + r); cross.lineTo(x + r, y - r);
      if (nPred <= 20) plabels.push([`${p.track} impact ${countdown(p.impact.t_s, t)}`, x + r + 3, y + r + fs]);
    }
    if (p._l) {
      const x = p._l[0] * S + Tx, y = p._l[1] * S + Ty, r = 0.55 * fs;
      launchP.moveTo(x, y - r); launchP.lineTo(x + r * 0.87, y + r * 0.5); launchP.lineTo(x - r * 0.87, y + r * 0.5); launchP.closePath();
      if (nPred <= 20) plabels.push([`launch ${fmtT(p.launch.t_s)}`, x + r + 3, y - r]);
    }
  }
  c.save(); c.setLineDash([2, 5]); c.strokeStyle = 'rgba(255,233,168,0.7)'; c.lineWidth = 1.4; c.stroke(gpath); c.restore();
  c.fillStyle = 'rgba(255,190,40,0.14)'; c.fill(e95, 'nonzero');
  // dashes are costly in software raster: only for a readable number of ellipses
  c.save(); if (nPred <= 50) c.setLineDash([6, 4]); c.strokeStyle = '#ffbe28'; c.lineWidth = nPred <= 50 ? 1.5 : 1; c.stroke(e95); c.restore();
  c.fillStyle = 'rgba(255,190,40,0.30)'; c.fill(e50, 'nonzero');
  c.strokeStyle = '#ffd36e'; c.lineWidth = 2; c.stroke(e50);
  c.strokeStyle = '#ffe9a8'; c.lineWidth = 2; c.stroke(cross);
  c.fillStyle = '#ffe14d'; c.fill(launchP); c.strokeStyle = '#000'; c.lineWidth = 1.5; c.stroke(launchP);

  mark('pred');
  // trails and tracks, one Path2D per nation; rebuilt only when a state arrived or the view
  // changed (the 1 Hz countdown redraws reuse them)
  const r = Math.max(3, 0.38 * fs);
  const few = model.tracks.size <= 40;
  let tc = trackCache;
  if (!tc || tc.gen !== view.gen || tc.states !== stats.states) {
    tc = trackCache = { gen: view.gen, states: stats.states, trails: {}, syms: {}, drawn: 0, tlabels: [] };
    const trails = tc.trails, syms = tc.syms;
    for (const n of NATIONS) { trails[n] = new Path2D(); syms[n] = new Path2D(); }
    // skip trail vertices closer than ~1.5 px (more on big screens) to the last one drawn
    const minD = Math.max(1.5, 0.12 * fs), minD2 = minD * minD;
    for (const tr of model.tracks.values()) {
      const nk = nationKey(tr.nation);
      const tp = trails[nk];
      const xs = tr.xs, ys = tr.ys, n = xs.length;
      if (n - tr.start >= 2) {
        let lx = xs[tr.start] * S + Tx, ly = ys[tr.start] * S + Ty;
        tp.moveTo(lx, ly);
        for (let i = tr.start + 1; i < n; i++) {
          const x = xs[i] * S + Tx, y = ys[i] * S + Ty;
          const dx = x - lx, dy = y - ly;
          if (dx * dx + dy * dy < minD2 && i < n - 1) continue;
          tp.lineTo(x, y); lx = x; ly = y;
        }
      }
      const x = tr.ux * S + Tx, y = tr.uy * S + Ty;
      if (x < -20 || y < -20 || x > w + 20 || y > h + 20) continue;
      const sp = syms[nk];
      if (nk === 'USA') { sp.moveTo(x + r, y); sp.arc(x, y, r, 0, 2 * Math.PI); }
      else if (nk === 'JPN') sp.rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
      else if (nk === 'KOR') { sp.moveTo(x, y - r * 1.15); sp.lineTo(x + r, y + r * 0.75); sp.lineTo(x - r, y + r * 0.75); sp.closePath(); }
      else { sp.moveTo(x, y - r); sp.lineTo(x + r, y); sp.lineTo(x, y + r); sp.lineTo(x - r, y); sp.closePath(); }
      tc.drawn++;
      if (few) tc.tlabels.push([tr, x, y]);
    }
  }
  const { trails, syms, tlabels } = tc;
  const drawn = tc.drawn;
  mark('trailbuild');
  // With many tracks the trails are 1 device pixel wide: Skia's hairline path rasterises them
  // about ten times faster than any wider anti-aliased stroke (software canvas, no GPU).
  const many = model.tracks.size > 100;
  c.lineWidth = many ? 1 / dpr : 2; c.lineJoin = 'bevel';
  for (const n of NATIONS) {
    c.strokeStyle = NATION_COLOR[n] || OTHER_COLOR; c.globalAlpha = 0.75; c.stroke(trails[n]);
  }
  mark('trailstroke');
  c.globalAlpha = 1;
  c.lineWidth = many ? 1 / dpr : 1.2; c.strokeStyle = '#000';
  for (const n of NATIONS) { c.fillStyle = NATION_COLOR[n] || OTHER_COLOR; c.fill(syms[n]); c.stroke(syms[n]); }
  stats.tracksDrawn = drawn;

  mark('symbols');
  // followed track
  if (follow && followId && model.tracks.has(followId)) {
    const tr = model.tracks.get(followId);
    c.beginPath(); c.arc(tr.ux * S + Tx, tr.uy * S + Ty, r * 2.4, 0, 2 * Math.PI);
    c.strokeStyle = '#fff'; c.lineWidth = 1.5; c.setLineDash([3, 3]); c.stroke(); c.setLineDash([]);
  }

  // labels last, on top
  placed.length = 0;
  c.font = `600 ${0.8 * fs}px ${theme.font}`; c.textBaseline = 'alphabetic';
  for (const [area, a] of labels) {
    const x = area.cx * S + Tx, y = area.cy * S + Ty;
    const txt = a.status === 'warning' ? `${area.name} ${countdown(a.expected_t_s, t)}` : `${area.name} ${a.status}`;
    label(c, txt, x, y, a.status === 'warning' ? '#ffd0d0' : '#e0e6ea', 'center');
  }
  c.font = `${0.78 * fs}px ${theme.font}`;
  for (const [txt, x, y] of plabels) label(c, txt, x, y, '#ffe9a8');
  for (const [tr, x, y] of tlabels) label(c, `${tr.id} ${(tr.alt / 1000).toFixed(0)} km`, x + r + 4, y - r, '#ffffff');

  mark('labels');
  // ?flush=1 (benchmarks): force the deferred rasterisation into the measured time
  if (FLUSH) { ctx.getImageData(0, 0, 1, 1); mark('raster'); }
  const dt = performance.now() - t0;
  stats.frames.push(dt);
  if (stats.frames.length > 600) stats.frames.splice(0, stats.frames.length - 600);
  stats.renders++;
}

// ---------------------------------------------------------------------------------------------
// size, input
const mapEl = $('map');
function resize() {
  const rect = mapEl.getBoundingClientRect();
  const w = Math.max(100, Math.floor(rect.width)), h = Math.max(100, Math.floor(rect.height));
  const dpr = Math.min(2, window.devicePixelRatio || 1);
  if (w === view.w && h === view.h && dpr === view.dpr) return;
  const first = !view.w;
  const rel = first ? null : { dx: view.cx - view.c0x, dy: view.cy - view.c0y, s0: view.S0 };
  view.w = w; view.h = h; view.dpr = dpr;
  for (const cv of [canvas, base]) { cv.width = Math.round(w * dpr); cv.height = Math.round(h * dpr); }
  canvas.style.width = w + 'px'; canvas.style.height = h + 'px';
  readTheme();
  fitBase();
  if (first) { view.cx = view.c0x; view.cy = view.c0y; } else { view.cx = view.c0x + rel.dx; view.cy = view.c0y + rel.dy; }
  applyView();
}
new ResizeObserver(resize).observe(mapEl);

let follow = false, followId = null;
function followNewest() {
  let best = null;
  for (const tr of model.tracks.values()) if (!best || tr.seq > best.seq) best = tr;
  followId = best ? best.id : null;
  $('follow').hidden = !follow;
  setText($('follow-id'), followId || '—');
  if (best && (Math.abs(view.cx - best.ux) * view.S > 1 || Math.abs(view.cy - best.uy) * view.S > 1)) {
    view.cx = best.ux; view.cy = best.uy; applyView();
  }
}
document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const tag = (e.target && e.target.tagName) || '';
  if (tag === 'INPUT' || tag === 'TEXTAREA') return;
  const onMap = e.target === mapEl || e.target === document.body;
  const step = Math.min(view.w, view.h) * 0.12;
  switch (e.key) {
    case '+': case '=': zoomBy(1.4); break;
    case '-': case '_': zoomBy(1 / 1.4); break;
    case '0': follow = false; $('follow').hidden = true; resetView(); break;
    case 'f': case 'F': follow = !follow; if (follow) followNewest(); else $('follow').hidden = true; requestRender(); break;
    case 'ArrowLeft': if (!onMap) return; follow = false; panBy(-step, 0); break;
    case 'ArrowRight': if (!onMap) return; follow = false; panBy(step, 0); break;
    case 'ArrowUp': if (!onMap) return; follow = false; panBy(0, -step); break;
    case 'ArrowDown': if (!onMap) return; follow = false; panBy(0, step); break;
    default: return;
  }
  e.preventDefault();
});
mapEl.addEventListener('wheel', (e) => {
  e.preventDefault();
  const rect = mapEl.getBoundingClientRect();
  zoomBy(e.deltaY < 0 ? 1.25 : 1 / 1.25, e.clientX - rect.left, e.clientY - rect.top);
}, { passive: false });
let drag = null;
mapEl.addEventListener('pointerdown', (e) => { drag = { x: e.clientX, y: e.clientY }; mapEl.setPointerCapture(e.pointerId); mapEl.focus(); });
mapEl.addEventListener('pointermove', (e) => {
  if (!drag) return;
  const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
  if (dx || dy) { follow = false; panBy(-dx, -dy); drag = { x: e.clientX, y: e.clientY }; }
});
mapEl.addEventListener('pointerup', () => { drag = null; });
$('tracks').addEventListener('click', (e) => {
  const li = e.target.closest('li[data-id]');
  const tr = li && model.tracks.get(li.dataset.id);
  if (tr) { follow = false; $('follow').hidden = true; view.cx = tr.ux; view.cy = tr.uy; applyView(); }
});

// 1 Hz: clocks, countdowns, "heard s ago"
setInterval(() => { if (model.t_s !== null) { updateLists(); requestRender(); } }, 1000);

renderHeader();
resize();
loadAreasRetry();
loadInitial().finally(connect);
