// The last hour at a glance, and calls and latency over a chosen range.
import { api, query } from './api.js';
import { h, clear, count, percent, ms, table, time, outcome, section, failure, empty } from './ui.js';
import { callsChart, latencyChart, legend } from './charts.js';

const ranges = { '1h': [3600, '1m'], '24h': [86400, '15m'], '7d': [604800, '2h'] };

export async function render(main, { params, navigate }) {
  const range = ranges[params.get('range')] ? params.get('range') : '1h';
  const [seconds, bucket] = ranges[range];
  const to = new Date();
  const from = new Date(to.getTime() - seconds * 1000);
  const [dashboard, series] = await Promise.allSettled([
    api('portal/dashboard'),
    api(`portal/audit/timeseries${query([['from', from.toISOString()], ['to', to.toISOString()], ['bucket', bucket]])}`),
  ]);
  if (dashboard.status === 'rejected') throw dashboard.reason;
  const d = dashboard.value;
  const cards = h('div', { class: 'cards' },
    card('Calls (1 h)', count(d.total)),
    card('Error rate', percent(d.error_rate)),
    card('p50 latency', ms(d.p50_ms)),
    card('p95 latency', ms(d.p95_ms)),
    card('Callers', count(d.unique_users)),
    card('Tools', count(d.unique_tools)));
  const picker = h('div', { class: 'range', role: 'group', 'aria-label': 'Chart range' },
    Object.keys(ranges).map((name) => h('button', { type: 'button', class: name === range ? 'chosen' : 'secondary', 'aria-pressed': name === range ? 'true' : 'false',
      onclick: () => navigate(`/portal/?range=${name}`, { replace: true }) }, name)));
  let charts;
  if (series.status === 'rejected') charts = failure(series.reason);
  else {
    const points = series.value.points || [];
    charts = h('div', { class: 'charts' },
      h('figure', { id: 'calls-chart' }, callsChart(points), h('figcaption', {}, `Calls per ${series.value.bucket}`), legend([['ok', 'successes'], ['error', 'errors']])),
      h('figure', { id: 'latency-chart' }, latencyChart(points), h('figcaption', {}, `Mean latency per ${series.value.bucket}`)));
  }
  const tops = h('div', { class: 'split' },
    section('Top tools', d.top_tools.length ? table([['Tool', (r) => r.key], ['Calls', (r) => count(r.count)]], d.top_tools) : empty('No calls in the last hour.')),
    section('Top callers', d.top_users.length ? table([['Caller', (r) => r.key ?? '(anonymous)'], ['Calls', (r) => count(r.count)]], d.top_users) : empty('No callers in the last hour.')));
  const recent = section('Recent activity', d.recent.length
    ? table([['Time', (e) => time(e.timestamp)], ['Tool', (e) => e.tool_name], ['Caller', (e) => e.user_subject ?? '—'], ['Outcome', (e) => outcome(e.success)], ['Duration', (e) => ms(e.duration_ms)]], d.recent,
      { onRow: (e) => navigate(`/portal/audit?event=${e.id}`), rowLabel: (e) => `${e.tool_name} at ${e.timestamp}` })
    : empty('Nothing recorded in the last hour.'));
  clear(main, h('h1', {}, 'Dashboard'), cards, section('Traffic', picker, charts), tops, recent);
}

function card(label, value) {
  return h('div', { class: 'card' }, h('span', { class: 'label' }, label), h('span', { class: 'value' }, value));
}
