// Makes assets/world-50m.bin, the built-in offline basemap, from Natural Earth's 1:50m
// country boundaries as TopoJSON (the npm package world-atlas 2.0.2, countries-50m.json).
// Run once at development time; the binary is committed and the crate reads it with
// include_bytes! (src/model/basemap.rs). The format is described in assets/README.md.
//
//     mkdir -p /tmp/wa && cd /tmp/wa && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
//     node assets/make-basemap.mjs /tmp/wa/package/countries-50m.json assets/world-50m.bin
//
// Every TopoJSON arc is written once. An arc that two countries share is a country border;
// an arc that only one country uses is the edge of land (coastline, or a lake shore). Edges
// that only exist because the data is cut at the antimeridian (runs along lon = ±180) or
// closed at the south pole (runs along lat = -89.999) are dropped.

import { readFileSync, writeFileSync } from "node:fs";

const UNITS_PER_DEGREE = 10000; // 1e-4 degree, about 11 m
const KIND_COAST = 0;
const KIND_BORDER = 1;

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node make-basemap.mjs countries-50m.json world-50m.bin");
  process.exit(2);
}
const topo = JSON.parse(readFileSync(input, "utf8"));

// Decode the quantised, delta-encoded arcs into absolute lon/lat degrees.
const [sx, sy] = topo.transform.scale;
const [tx, ty] = topo.transform.translate;
const arcs = topo.arcs.map((arc) => {
  let x = 0;
  let y = 0;
  return arc.map(([dx, dy]) => {
    x += dx;
    y += dy;
    return [x * sx + tx, y * sy + ty];
  });
});

// How many distinct countries use each arc (an index i < 0 means arc ~i reversed).
const users = arcs.map(() => new Set());
function visit(rings, country) {
  for (const ring of rings) for (const i of ring) users[i < 0 ? ~i : i].add(country);
}
topo.objects.countries.geometries.forEach((g, n) => {
  if (g.type === "Polygon") visit(g.arcs, n);
  else if (g.type === "MultiPolygon") g.arcs.forEach((p) => visit(p, n));
});

// An artificial edge: both ends on the antimeridian, or both at the pole cut.
function artificial(a, b) {
  const meridian = Math.abs(a[0]) >= 179.9999 && Math.abs(b[0]) >= 179.9999 && a[0] === b[0];
  const pole = a[1] <= -89.99 && b[1] <= -89.99;
  return meridian || pole;
}

// Lines as [kind, [[lonUnits, latUnits], ...]], split at artificial edges, with repeated
// points (after rounding) removed.
const lines = [];
arcs.forEach((arc, i) => {
  if (users[i].size === 0) return;
  const kind = users[i].size >= 2 ? KIND_BORDER : KIND_COAST;
  let cur = [];
  const flush = () => {
    if (cur.length >= 2) lines.push([kind, cur]);
    cur = [];
  };
  arc.forEach((p, j) => {
    if (j > 0 && artificial(arc[j - 1], p)) flush();
    const q = [Math.round(p[0] * UNITS_PER_DEGREE), Math.round(p[1] * UNITS_PER_DEGREE)];
    const last = cur[cur.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) cur.push(q);
  });
  flush();
});

// Serialise: magic, version, units, count, then per line kind, point count and zigzag
// varint deltas (the first point relative to 0,0); an FNV-1a 32 checksum closes the file.
const out = [];
const varint = (v) => {
  // v is a non-negative integer below 2^53.
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
};
const zigzag = (v) => (v >= 0 ? 2 * v : -2 * v - 1);
for (const c of "BNWM") out.push(c.charCodeAt(0));
out.push(1);
varint(UNITS_PER_DEGREE);
varint(lines.length);
let points = 0;
const kinds = [0, 0];
for (const [kind, pts] of lines) {
  out.push(kind);
  varint(pts.length);
  let px = 0;
  let py = 0;
  for (const [x, y] of pts) {
    varint(zigzag(x - px));
    varint(zigzag(y - py));
    px = x;
    py = y;
  }
  points += pts.length;
  kinds[kind] += 1;
}
let h = 0x811c9dc5;
for (const b of out) {
  h ^= b;
  h = Math.imul(h, 0x01000193) >>> 0;
}
out.push(h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff, (h >>> 24) & 0xff);
writeFileSync(output, Buffer.from(out));
console.log(
  `${output}: ${out.length} bytes, ${lines.length} lines (${kinds[0]} coast, ${kinds[1]} border), ${points} points`,
);
