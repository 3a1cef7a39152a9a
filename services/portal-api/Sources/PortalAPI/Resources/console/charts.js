// Charts drawn as SVG by the console itself (no chart library, nothing from a CDN).
const SVG = 'http://www.w3.org/2000/svg';
const width = 720;
const height = 220;
const pad = { left: 48, right: 12, top: 12, bottom: 28 };

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

function frame(label, maximum, points, unit) {
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: 'chart', preserveAspectRatio: 'none' });
  root.append(svg('title', {}, label));
  const plotHeight = height - pad.top - pad.bottom;
  for (const fraction of [0, 0.5, 1]) {
    const y = pad.top + plotHeight * (1 - fraction);
    root.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: 'grid' }));
    root.append(svg('text', { x: pad.left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, `${formatNumber(maximum * fraction)}${unit}`));
  }
  if (points.length) {
    const first = new Date(points[0].ts);
    const last = new Date(points[points.length - 1].ts);
    root.append(svg('text', { x: pad.left, y: height - 8, class: 'axis' }, shortTime(first)));
    root.append(svg('text', { x: width - pad.right, y: height - 8, 'text-anchor': 'end', class: 'axis' }, shortTime(last)));
  }
  return root;
}

function formatNumber(value) {
  if (value >= 1000) return `${Math.round(value / 100) / 10}k`;
  return `${Math.round(value * 10) / 10}`;
}

function shortTime(date) {
  return date.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** Calls per bucket, errors stacked on the successes. */
export function callsChart(points) {
  const maximum = Math.max(1, ...points.map((p) => p.count));
  const root = frame('Calls per bucket, errors stacked on successes', maximum, points, '');
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const step = plotWidth / Math.max(points.length, 1);
  const barWidth = Math.max(step * 0.8, 0.5);
  points.forEach((point, index) => {
    if (!point.count) return;
    const x = pad.left + index * step;
    const okHeight = ((point.count - point.errors) / maximum) * plotHeight;
    const errorHeight = (point.errors / maximum) * plotHeight;
    const base = pad.top + plotHeight;
    const tip = `${new Date(point.ts).toLocaleString()}: ${point.count} calls, ${point.errors} errors`;
    const ok = svg('rect', { x, y: base - okHeight, width: barWidth, height: okHeight, class: 'bar-ok' });
    ok.append(svg('title', {}, tip));
    root.append(ok);
    if (point.errors) {
      const bad = svg('rect', { x, y: base - okHeight - errorHeight, width: barWidth, height: errorHeight, class: 'bar-error' });
      bad.append(svg('title', {}, tip));
      root.append(bad);
    }
  });
  return root;
}

/** Mean latency per bucket as a line; buckets without calls leave a gap. */
export function latencyChart(points) {
  const values = points.map((p) => p.avg_ms);
  const maximum = Math.max(1, ...values.filter((v) => v !== null && v !== undefined));
  const root = frame('Mean latency per bucket, milliseconds', maximum, points, ' ms');
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const step = plotWidth / Math.max(points.length - 1, 1);
  let path = '';
  let pen = false;
  values.forEach((value, index) => {
    if (value === null || value === undefined) { pen = false; return; }
    const x = pad.left + index * step;
    const y = pad.top + plotHeight * (1 - value / maximum);
    path += `${pen ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)} `;
    pen = true;
    // A dot per bucket: a bucket between two empty ones has no line of its own.
    const dot = svg('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 2.5, class: 'dot' });
    dot.append(svg('title', {}, `${new Date(points[index].ts).toLocaleString()}: ${Math.round(value * 10) / 10} ms`));
    root.append(dot);
  });
  if (path) root.append(svg('path', { d: path, class: 'line' }));
  return root;
}

export function legend(items) {
  const list = document.createElement('ul');
  list.className = 'legend';
  for (const [kind, label] of items) {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${kind}`;
    item.append(swatch, label);
    list.append(item);
  }
  return list;
}
