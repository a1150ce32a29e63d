// Build-time only: the land polygons of world-atlas land-50m (Natural Earth, public domain)
// that meet the Northeast Asia / Western Pacific window, as a classic script for the page
// (vendor/land.js sets window.TW_LAND to a GeoJSON MultiPolygon). Deterministic.
// usage: node make-land.mjs OUT.js
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { feature } from 'topojson-client';

const require = createRequire(import.meta.url);
const topo = JSON.parse(readFileSync(require.resolve('world-atlas/land-50m.json'), 'utf8'));
const land = feature(topo, topo.objects.land);
const W = 88, E = 222, S = -12, N = 78;   // window (east longitudes), wider than the map's view

const polys = [];
const geom = land.features ? land.features[0].geometry : land.geometry;
for (const poly of geom.coordinates) {
  // western-hemisphere pieces (Alaska, Aleutians, Chukotka east of 180, Hawaii) go east of 180
  const west = poly[0].every((p) => p[0] < -60);
  const rings = poly.map((ring) => ring.map((p) => [west ? p[0] + 360 : p[0], p[1]]));
  // Whole polygons only: cutting them at the window (Sutherland-Hodgman) leaves zero-width
  // bridges along the cut that d3's spherical clipping can read as inside-out.
  if (!rings[0].some((p) => p[0] >= W && p[0] <= E && p[1] >= S && p[1] <= N)) continue;
  polys.push(rings.map((r) => {
    const q = [];
    for (const p of r) {
      const x = Math.round(p[0] * 100) / 100, y = Math.round(p[1] * 100) / 100;
      const l = q[q.length - 1];
      if (!l || l[0] !== x || l[1] !== y) q.push([x, y]);
    }
    return q;
  }));
}
writeFileSync(process.argv[2],
  '/* Natural Earth 1:50m land (public domain) via npm world-atlas: the polygons meeting the map window. */\n' +
  'window.TW_LAND=' + JSON.stringify({ type: 'MultiPolygon', coordinates: polys }) + ';\n');
