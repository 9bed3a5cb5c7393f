// Growth charts as SVG over WHO SD curves, KMS bands; chartData(): /children/<id>/growth-chart offline.
import { adjustedLength, monthIndex } from './growth.js';
import { growthOf } from './assess.js';

const NS = 'http://www.w3.org/2000/svg';
const DAYS_PER_MONTH = 30.4375;
const LINES = { wfa: [-3, -2, 0, 1, 2, 3], lhfa: [-3, -2, 0, 2, 3], wfl: [-3, -2, 0, 1, 2, 3], wfh: [-3, -2, 0, 1, 2, 3] };
// [from SD, to SD, class]: yellow below −2, green normal, orange above (Buku KIA colours)
const BANDS = {
  wfa: [[-3, -2, 'band-warn'], [-2, 1, 'band-ok'], [1, 3, 'band-over']],
  lhfa: [[-3, -2, 'band-warn'], [-2, 3, 'band-ok']],
  wfl: [[-3, -2, 'band-warn'], [-2, 1, 'band-ok'], [1, 3, 'band-over']],
};
BANDS.wfh = BANDS.wfl;

function lms(table, sex, index) {
  const i = index - table.first;
  if (i < 0 || index > table.last) return null;
  return [table.l[sex - 1][i], table.m[sex - 1][i], table.s[sex - 1][i]];
}
const sdValue = ([l, m, s], z) => (l === 0 ? m * Math.exp(s * z) : m * (1 + l * s * z) ** (1 / l));
const round2 = (v) => Math.round(v * 100) / 100;

function curves(table, sex, xs, toIndex, lines) {
  const sd = Object.fromEntries(lines.map((z) => [String(z), []]));
  const kept = [];
  for (const x of xs) {
    const row = lms(table, sex, toIndex(x));
    if (!row) continue;
    kept.push(x);
    for (const z of lines) sd[String(z)].push(round2(sdValue(row, z)));
  }
  return { x_values: kept, sd };
}

/** Birth as a point at month 0 (the KMS's first): weight and length (lying); null if neither is
 * known or a weighing on the birth day is it. */
export function birthPoint(child, measurements) {
  const weight = child.birth_weight_kg ?? null;
  const length = child.birth_length_cm ?? null;
  if ((weight === null && length === null) || measurements.some((m) => m.measured_on === child.birth_date)) return null;
  return { id: `birth-${child.id}`, measured_on: child.birth_date, weight_kg: weight, length_height_cm: length,
    position: length === null ? null : 'lying', birth: true };
}

/** Points to draw: birth and measurements with age in days, status, flags (assess.growthOf); no age: left out. */
export function chartPoints(child, measurements, tables) {
  const born = birthPoint(child, measurements);
  return [...(born ? [born] : []), ...measurements].map((m) => {
    const g = growthOf(child, m, tables);
    return { ...m, age_days: g?.age_days ?? null, _status: g?.status ?? null, flags: g?.flags ?? {} };
  }).filter((p) => p.age_days !== null);
}

/** {sex, birth_date, points, curves}; curves has wfl, wfh or both (2+ years with an earlier length). */
export function chartData(child, points, tables) {
  const sex = child.sex === 'M' ? 1 : 2;
  const lastAge = Math.max(0, ...points.map((p) => p.age_days ?? 0));
  // the WHO tables end at day 1856 (60.98 months): axis up to 61 keeps it in view
  const months = Math.min(61, Math.max(12, Math.ceil(lastAge / DAYS_PER_MONTH) + 3));
  const ages = Array.from({ length: months + 1 }, (_, i) => i);
  const byAge = (m) => Math.min(1856, Math.round(m * DAYS_PER_MONTH));
  // wfl under 731 days, wfh from 731 (WHO); a child now 2+ keeps wfl for earlier weighings
  const lengths = lastAge >= 731 ? ['wfh'] : ['wfl'];
  if (lastAge >= 731 && points.some((p) => p.age_days < 731 && p.weight_kg != null && p.length_height_cm != null)) lengths.unshift('wfl');
  const byLength = (name) => {
    const cms = [];
    for (let cm = tables[name].first / 10; cm <= tables[name].last / 10; cm += 1) cms.push(cm);
    return { x: 'length_height_cm', ...curves(tables[name], sex, cms, (cm) => Math.round(cm * 10), LINES[name]) };
  };
  return {
    sex: child.sex, birth_date: child.birth_date, points,
    curves: {
      wfa: { x: 'age_months', ...curves(tables.wfa, sex, ages, byAge, LINES.wfa) },
      // WHO's 0.7 cm step: lying to day 730, standing from 731
      lhfa: { x: 'age_months', ...curves(tables.lhfa, sex, ages.flatMap((m) => (m === 24 ? [23.99, m] : m)), byAge, LINES.lhfa) },
      ...Object.fromEntries(lengths.map((name) => [name, byLength(name)])),
    },
  };
}

function el(name, attrs = {}, text = null) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

const ticks = (lo, hi, target = 6) => {
  const raw = (hi - lo) / target;
  const step = [1, 2, 5, 10, 20].map((s) => s * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(round2(v));
  return out;
};

// length as the z-scores read it: lying from 2 years −0.7 cm, standing before +0.7 cm
const cmOf = (p) => adjustedLength(p.age_days, p.length_height_cm, p.position);
const xOn = (curve, p) => (curve.x === 'age_months' ? p.age_days / DAYS_PER_MONTH : cmOf(p));
const yOn = (indicator, p) => (indicator === 'lhfa' ? cmOf(p) : p.weight_kg);
// under 731 days on wfl, from 731 on wfh
const ofChart = (indicator, p) => (indicator === 'wfl' ? p.age_days < 731 : indicator === 'wfh' ? p.age_days >= 731 : true);
const hasPlace = (curve, indicator, p) => ofChart(indicator, p) && xOn(curve, p) != null && yOn(indicator, p) != null
  && !Number.isNaN(xOn(curve, p));
// WHO's tables, wfh too, end at day 1856
const inRange = (curve, p) => xOn(curve, p) >= curve.x_values[0] && xOn(curve, p) <= curve.x_values.at(-1) && p.age_days < 1857;
// oedema or a flagged value: drawn hollow, not judged against the curves (WHO)
// a birth point's weight for length is no sign (as the server's chart._placed): not drawn "oedema or a mistake"
const unjudgedOn = (indicator, p) => (p.oedema === true && indicator !== 'lhfa')
  || (p.flags?.[indicator] === true && !(p.birth && /^wf[lh]$/.test(indicator)));

/** Where `indicator`'s chart draws `p`: {x, y, unjudged}, or null; as the server's `plot`. */
export function placed(data, indicator, p) {
  const curve = data.curves[indicator];
  if (!hasPlace(curve, indicator, p) || !inRange(curve, p)) return null;
  return { x: xOn(curve, p), y: yOn(indicator, p), unjudged: unjudgedOn(indicator, p) };
}

/** Whether each of `points` starts a piece of her line. KMS (wfa): joined to one in its month or the
 * last (as N/T); others (measured Feb, Aug) to one up to 7 months before. */
export const breaks = (indicator, points) => points.map((p, k) => !k
  || monthIndex(p.measured_on) - monthIndex(points[k - 1].measured_on) > (indicator === 'wfa' ? 1 : 7));

/** One chart as SVG. `labels`: title, x, y, `unjudged`, `outside(n)`, the text alternative
 * `point(p, x, y)` (oldest first), `none`; `bands`: [word, from SD, to SD] (a parent's). */
export function drawChart(data, indicator, labels) {
  const { num = String, bands } = labels;
  const curve = data.curves[indicator];
  const W = 360; const H = 270; const L = 36; const R = 8; const T = 22; const B = 34;
  const xOf = (p) => xOn(curve, p);
  const yOf = (p) => yOn(indicator, p);
  const all = data.points.filter((p) => hasPlace(curve, indicator, p));
  const xs = curve.x_values;
  const pts = all.filter((p) => placed(data, indicator, p));
  let x0 = xs[0]; let x1 = xs[xs.length - 1];
  if (curve.x !== 'age_months' && pts.length) { // zoom the length axis around the child's points
    x0 = Math.max(x0, Math.floor(Math.min(...pts.map(xOf)) - 10));
    x1 = Math.min(x1, Math.ceil(Math.max(...pts.map(xOf)) + 10));
  }
  const inView = xs.map((x, i) => [x, i]).filter(([x]) => x >= x0 && x <= x1);
  const lo = Math.min(...inView.map(([, i]) => curve.sd['-3'][i]), ...pts.map(yOf));
  const hi = Math.max(...inView.map(([, i]) => curve.sd['3'][i]), ...pts.map(yOf));
  const y0 = Math.floor(lo * 0.95); const y1 = Math.ceil(hi * 1.03);
  const sx = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': `t-${indicator}`,
    'aria-describedby': `d-${indicator}` });
  const said = [...pts].sort((a, b) => a.age_days - b.age_days).map((p) => labels.point(p, xOf(p), yOf(p)));
  if (all.length > pts.length) said.push(labels.outside(all.length - pts.length));
  svg.append(el('title', { id: `t-${indicator}` }, labels.title), el('desc', { id: `d-${indicator}` }, pts.length ? said.join('. ') : [labels.none, ...said].join('. ')));
  const path = (z, i0 = 0) => inView.map(([x, i], k) => `${k || i0 ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(curve.sd[z][i]).toFixed(1)}`).join('');
  for (const [a, b, cls] of BANDS[indicator]) {
    const upper = inView.map(([x, i]) => `${sx(x).toFixed(1)},${sy(curve.sd[String(b)][i]).toFixed(1)}`);
    const lower = inView.map(([x, i]) => `${sx(x).toFixed(1)},${sy(curve.sd[String(a)][i]).toFixed(1)}`).reverse();
    svg.append(el('polygon', { points: [...upper, ...lower].join(' '), class: cls }));
  }
  for (const v of ticks(y0, y1)) {
    svg.append(el('line', { x1: L, x2: W - R, y1: sy(v), y2: sy(v), class: 'grid' }));
    svg.append(el('text', { x: L - 4, y: sy(v) + 3, class: 'tick', 'text-anchor': 'end' }, num(v)));
  }
  for (const v of ticks(x0, x1, 8)) {
    svg.append(el('line', { x1: sx(v), x2: sx(v), y1: T, y2: H - B, class: 'grid' }));
    svg.append(el('text', { x: sx(v), y: H - B + 12, class: 'tick', 'text-anchor': 'middle' }, num(v)));
  }
  const sorted = [...pts].sort((a, b) => xOf(a) - xOf(b)).map((p) => [p, sx(xOf(p)), sy(yOf(p))]);
  // SD lines' or bands' words: at the right edge, or slid left along their line or band, clear of
  // each other and her points and line; else left out
  const zs = Object.keys(curve.sd);
  const lines = Object.fromEntries(zs.map((z) => [z, inView.map(([x, i]) => [sx(x), sy(curve.sd[z][i])])]));
  const yAt = (z, X) => {
    const p = lines[z];
    let k = p.findIndex(([x]) => x >= X);
    k = k < 0 ? p.length - 1 : Math.max(1, k);
    const [[xa, ya], [xb, yb] = [xa + 1, ya]] = [p[k - 1], p[k]];
    return ya + ((X - xa) / (xb - xa || 1)) * (yb - ya);
  };
  const taken = [[L, 4, L + 6.5 * labels.y.length, 17]]; // the axis title, and the outside note if any
  if (all.length > pts.length) taken.push([W - R - 6 * labels.outside(all.length - pts.length).length, 4, W - R, 17]);
  const cut = breaks(indicator, sorted.map(([p]) => p));
  const dots = sorted.map(([, x, y]) => [x - 4.5, y - 4.5, x + 4.5, y + 4.5]);
  const line = sorted.flatMap(([, x, y], k) => {
    const [, px, py] = sorted[k - 1] ?? [];
    const n = cut[k] ? 0 : Math.ceil(Math.hypot(x - px, y - py) / 3); // the line to it, every 3 units
    return Array.from({ length: n }, (_, j) => {
      const [u, v] = [px + ((x - px) * j) / n, py + ((y - py) * j) / n];
      return [u - 1.5, v - 1.5, u + 1.5, v + 1.5];
    });
  });
  const clear = (box, boxes) => !boxes.some((o) => box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]);
  const spot = (text, ys) => {
    const w = 5.6 * text.length + 2; // a 9 px character is 5.6 units at most
    let near = null;
    for (let x = sx(inView[inView.length - 1][0]) - 2; x - w >= L; x -= 3) {
      for (const y of ys(x - w, x)) {
        const box = [x - w, y - 9, x, y + 3];
        if (box[1] < 0 || box[3] > H - B || !clear(box, taken) || !clear(box, dots)) continue;
        if (clear(box, line)) return [x, y, box];
        near ??= [x, y, box];
      }
    }
    return near;
  };
  const put = (text, ys) => {
    const at = spot(text, ys);
    if (at) taken.push(at[2]);
    return at && el('text', { x: at[0].toFixed(1), y: at[1].toFixed(1), class: 'sdlabel', 'text-anchor': 'end' }, text);
  };
  const sdText = bands ? {} : Object.fromEntries(['0', '-2', '2', '-3', '3', '1'].filter((z) => z in curve.sd).map((z) => [z,
    put(z > 0 ? `+${z}` : z, (a, b) => [Math.min(yAt(z, a), yAt(z, b)) - 2, Math.max(yAt(z, a), yAt(z, b)) + 10])]));
  for (const z of zs) svg.append(el('path', { d: path(z), class: `sd sd${z.replace('-', 'm')}` }));
  for (const z of zs) if (sdText[z]) svg.append(sdText[z]);
  // a band's word in its middle
  bands?.forEach(([word, a, b]) => {
    const mid = (u, v) => (yAt(String(a), (u + v) / 2) + yAt(String(b), (u + v) / 2)) / 2 + 3;
    const text = put(word, (u, v) => [0, 3, -3, 6, -6].map((d) => mid(u, v) + d));
    if (text) svg.append(text);
  });
  svg.append(el('text', { x: L, y: 14, class: 'axis' }, labels.y));
  svg.append(el('text', { x: W - R, y: H - 6, class: 'axis', 'text-anchor': 'end' }, labels.x));
  if (all.length > pts.length) svg.append(el('text', { x: W - R, y: 14, class: 'outside', 'text-anchor': 'end' }, labels.outside(all.length - pts.length)));
  let piece = [];
  sorted.forEach(([, x, y], k) => {
    if (cut[k]) piece = [];
    piece.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    if (piece.length > 1 && (cut[k + 1] ?? true)) svg.append(el('polyline', { points: piece.join(' '), class: 'child-line' }));
  });
  const unjudged = (p) => placed(data, indicator, p).unjudged;
  for (const [p, x, y] of sorted) {
    svg.append(el('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 3.5, class: unjudged(p) ? 'child-point unjudged' : 'child-point' }));
  }
  if (sorted.some(([p]) => unjudged(p))) svg.append(el('text', { x: 4, y: H - 6, class: 'unjudged-note' }, labels.unjudged));
  return svg;
}

/** A monthly percentage as an SVG line, optional dashed target. `series`: [{label, value}] (null
 * value breaks the line); `title`, `desc`: accessible name and description. */
export function drawTrend(series, { id, title, desc, target = null, format = String }) {
  const W = 360; const H = 190; const L = 38; const R = 12; const T = 14; const B = 24;
  const values = series.map((p) => p.value).filter((v) => v !== null && v !== undefined);
  const need = Math.max(1, ...values, target ?? 0) * 1.15; // room for the value labels
  const y1 = [10, 20, 30, 40, 60, 80, 100].find((s) => s >= need) ?? 100;
  const n = series.length;
  const sx = (i) => (n === 1 ? (L + W - R) / 2 : L + 10 + (i / (n - 1)) * (W - L - R - 20));
  const sy = (v) => H - B - (v / y1) * (H - T - B);
  const svg = el('svg', { id, viewBox: `0 0 ${W} ${H}`, class: 'chart trend', role: 'img', 'aria-labelledby': `${id}-t`, 'aria-describedby': `${id}-d` });
  svg.append(el('title', { id: `${id}-t` }, title), el('desc', { id: `${id}-d` }, desc));
  for (const v of ticks(0, y1, 5)) {
    svg.append(el('line', { x1: L, x2: W - R, y1: sy(v), y2: sy(v), class: 'grid' }));
    svg.append(el('text', { x: L - 4, y: sy(v) + 3, class: 'tick', 'text-anchor': 'end' }, `${v}%`));
  }
  if (target !== null) svg.append(el('line', { x1: L, x2: W - R, y1: sy(target), y2: sy(target), class: 'target' }));
  const every = Math.ceil(n / 6); // legible at 360 px; counted from the last month, always named
  series.forEach((p, i) => {
    if ((n - 1 - i) % every === 0) svg.append(el('text', { x: sx(i), y: H - B + 16, class: 'tick', 'text-anchor': 'middle' }, p.label));
  });
  let d = ''; let pen = false;
  series.forEach((p, i) => {
    const has = p.value !== null && p.value !== undefined;
    if (has) d += `${pen ? 'L' : 'M'}${sx(i).toFixed(1)},${sy(p.value).toFixed(1)}`;
    pen = has;
  });
  if (d) svg.append(el('path', { d, class: 'trend-line' }));
  // values named from the last back (up to 8 points), each 4 px clear of the next, the ticks and the edge (11 px bold)
  let room = W;
  for (let i = n - 1; i >= 0; i -= 1) {
    const v = series[i].value;
    if (v === null || v === undefined) continue;
    svg.append(el('circle', { cx: sx(i).toFixed(1), cy: sy(v).toFixed(1), r: 4, class: 'trend-point' }));
    const text = format(v); const half = 4 * text.length; const x = Math.min(W - half, Math.max(sx(i), L + 2 + half));
    if ((n <= 8 || i === n - 1) && x + half <= room) {
      svg.append(el('text', { x, y: sy(v) - 8, class: 'value', 'text-anchor': 'middle' }, text));
      room = x - half - 4;
    }
  }
  return svg;
}
