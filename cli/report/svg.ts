// Plots as inline SVG strings: axes with nice ticks (linear or log), line and scatter series, point labels, a legend.
// No dependencies and no external assets, so a report is one self-contained file.

export interface Point { x: number; y: number; label?: string; highlight?: boolean }
export interface Series { name: string; points: Point[]; kind: 'line' | 'scatter' | 'step'; color?: string }
export interface PlotSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xLog?: boolean;
  yLog?: boolean;
  /**
   * Values the y axis never runs past ([0, 1] for an accuracy): the padding around the data, and the unit span given
   * to a flat series, stop there (every fold at 100% had drawn an axis up to 1.5).
   */
  yWithin?: [number, number];
  width?: number;
  height?: number;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** About `count` round tick values covering [lo, hi] (1, 2, 5 times a power of ten). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) { const v = m * 10 ** e; if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v); }
  }
  return out.length >= 2 ? out : [lo, hi];
}

export function fmtNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a !== 0 && a < 0.01) return v.toExponential(1);
  return `${+v.toPrecision(4)}`;
}

/** The smallest of `v` (Infinity when empty), by a loop: Math.min(...v) overflows the call stack past ~100k points. */
function least(v: readonly number[]): number {
  let m = Infinity;
  for (const x of v) if (x < m) m = x;
  return m;
}

export function renderPlot(p: PlotSpec): string {
  const W = p.width ?? 560, H = p.height ?? 340;
  const m = { l: 64, r: 16, t: 46, b: 48 };
  const pts = p.series.flatMap((s) => s.points).filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y) && (!p.xLog || q.x > 0) && (!p.yLog || q.y > 0));
  const body: string[] = [];
  body.push(`<text x="${W / 2}" y="20" text-anchor="middle" class="title">${escapeXml(p.title)}</text>`);
  if (pts.length === 0) {
    body.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="empty">no data</text>`);
    return wrap(p, W, H, body);
  }
  const ext = (vals: number[], log?: boolean): [number, number] => {
    let lo = least(vals), hi = -least(vals.map((v) => -v));
    if (log) { lo = Math.log10(lo); hi = Math.log10(hi); }
    if (hi === lo) { lo -= 0.5; hi += 0.5; }
    const pad = (hi - lo) * 0.06;
    return log ? [10 ** (lo - pad), 10 ** (hi + pad)] : [lo - pad, hi + pad];
  };
  const [x0, x1] = ext(pts.map((q) => q.x), p.xLog);
  let [y0, y1] = ext(pts.map((q) => q.y), p.yLog);
  if (p.yWithin && !p.yLog) {
    const ys = pts.map((q) => q.y);
    [y0, y1] = [Math.max(y0, Math.min(p.yWithin[0], least(ys))), Math.min(y1, Math.max(p.yWithin[1], -least(ys.map((v) => -v))))];
  }
  const fx = (v: number) => m.l + ((p.xLog ? Math.log10(v / x0) / Math.log10(x1 / x0) : (v - x0) / (x1 - x0)) * (W - m.l - m.r));
  const fy = (v: number) => H - m.b - ((p.yLog ? Math.log10(v / y0) / Math.log10(y1 / y0) : (v - y0) / (y1 - y0)) * (H - m.t - m.b));
  body.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" class="frame"/>`);
  for (const t of p.xLog ? logTicks(x0, x1) : niceTicks(x0, x1)) {
    const x = fx(t).toFixed(1);
    body.push(`<line x1="${x}" x2="${x}" y1="${m.t}" y2="${H - m.b}" class="grid"/><text x="${x}" y="${H - m.b + 16}" text-anchor="middle" class="tick">${fmtNumber(t)}</text>`);
  }
  for (const t of p.yLog ? logTicks(y0, y1) : niceTicks(y0, y1)) {
    const y = fy(t).toFixed(1);
    body.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" class="grid"/><text x="${m.l - 6}" y="${y}" dy="4" text-anchor="end" class="tick">${fmtNumber(t)}</text>`);
  }
  body.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 10}" text-anchor="middle" class="axis">${escapeXml(p.xLabel)}</text>`);
  body.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle" class="axis">${escapeXml(p.yLabel)}</text>`);
  let legendX = m.l;
  // a set, not pts.includes per point: that had made a plot of 100,000 points take 4 s, 300,000 a minute
  const drawn = new Set(pts);
  p.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const sp = s.points.filter((q) => drawn.has(q));
    if (s.kind !== 'scatter' && sp.length > 1) {
      const sorted = s.kind === 'step' ? sp : [...sp].sort((a, b) => a.x - b.x);
      let d = `M${fx(sorted[0].x).toFixed(1)},${fy(sorted[0].y).toFixed(1)}`;
      for (let k = 1; k < sorted.length; k++) {
        if (s.kind === 'step') d += `H${fx(sorted[k].x).toFixed(1)}`;
        d += `${s.kind === 'step' ? 'V' : 'L'}${s.kind === 'step' ? fy(sorted[k].y).toFixed(1) : `${fx(sorted[k].x).toFixed(1)},${fy(sorted[k].y).toFixed(1)}`}`;
      }
      body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2" class="series"/>`);
    }
    for (const q of sp) {
      const title = `${s.name}: ${q.label ? `${q.label} ` : ''}(${fmtNumber(q.x)}, ${fmtNumber(q.y)})`;
      body.push(`<circle cx="${fx(q.x).toFixed(1)}" cy="${fy(q.y).toFixed(1)}" r="${q.highlight ? 5 : 3.5}" fill="${q.highlight ? color : s.kind === 'scatter' ? 'white' : color}" stroke="${color}" stroke-width="1.5" class="pt"><title>${escapeXml(title)}</title></circle>`);
      const nearRight = fx(q.x) > W - m.r - 90;
      if (q.label) body.push(`<text x="${(fx(q.x) + (nearRight ? -6 : 6)).toFixed(1)}" y="${(fy(q.y) - 6).toFixed(1)}"${nearRight ? ' text-anchor="end"' : ''} class="label">${escapeXml(q.label)}</text>`);
    }
    body.push(`<g transform="translate(${legendX} 36)"><rect width="10" height="10" y="-9" fill="${color}"/><text x="14" class="legend">${escapeXml(s.name)}</text></g>`);
    legendX += 28 + 6.5 * s.name.length;
  });
  return wrap(p, W, H, body);
}

function wrap(p: PlotSpec, W: number, H: number, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="plot" data-plot="${escapeXml(p.id)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(p.title)}">${body.join('')}</svg>`;
}

/** Horizontal bars (e.g. a leaderboard's scores). */
export function renderBars(id: string, title: string, rows: Array<{ label: string; value: number }>, valueLabel: string): string {
  const W = 560, rowH = 22, m = { l: 170, r: 60, t: 34, b: 30 };
  const H = m.t + m.b + rows.length * rowH;
  const lo = Math.min(0, least(rows.map((r) => r.value))), hi = Math.max(-least(rows.map((r) => -r.value)), 1e-12);
  const fx = (v: number) => m.l + ((v - lo) / (hi - lo)) * (W - m.l - m.r);
  const body = [`<text x="${W / 2}" y="20" text-anchor="middle" class="title">${escapeXml(title)}</text>`];
  rows.forEach((r, i) => {
    const y = m.t + i * rowH;
    body.push(`<text x="${m.l - 6}" y="${y + 15}" text-anchor="end" class="tick">${escapeXml(r.label)}</text>`);
    body.push(`<rect x="${fx(Math.min(0, r.value)).toFixed(1)}" y="${y + 3}" width="${Math.abs(fx(r.value) - fx(0)).toFixed(1)}" height="${rowH - 6}" fill="${PALETTE[0]}" class="bar"><title>${escapeXml(`${r.label}: ${r.value}`)}</title></rect>`);
    body.push(`<text x="${(fx(r.value) + 4).toFixed(1)}" y="${y + 15}" class="tick">${fmtNumber(r.value)}</text>`);
  });
  body.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle" class="axis">${escapeXml(valueLabel)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="plot" data-plot="${escapeXml(id)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(title)}">${body.join('')}</svg>`;
}
