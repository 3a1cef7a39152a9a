// Each upstream's state, and the catalog change log.
import { api } from './api.js';
import { h, clear, table, time, badge, empty, section, failure } from './ui.js';

const stateKinds = { available: 'ok', degraded: 'warn', unavailable: 'bad', starting: '' };

export async function render(main) {
  const [upstreams, changes] = await Promise.allSettled([api('portal/upstreams'), api('portal/catalog/changes?limit=100')]);
  if (upstreams.status === 'rejected') throw upstreams.reason;
  const list = upstreams.value.upstreams;
  clear(main, h('h1', {}, 'Upstreams'),
    section('State', list.length
      ? table([
        ['Name', (u) => h('code', {}, u.name)], ['Transport', (u) => u.transport], ['State', (u) => badge(u.state, stateKinds[u.state] ?? '')],
        ['Tools', (u) => String(u.tool_count)], ['Protocol', (u) => u.protocol_version ?? '—'], ['Last refresh', (u) => time(u.last_refresh)],
        ['Last error', (u) => u.last_error ?? '—'], ['Withheld', (u) => (u.withheld_tools.length ? u.withheld_tools.join(', ') : '—')],
      ], list)
      : empty('No upstreams are configured; only the built-in tools are served.')),
    section('Catalog changes', changes.status === 'rejected' ? failure(changes.reason)
      : changes.value.changes.length
        ? table([['When', (c) => time(c.at)], ['Upstream', (c) => c.upstream], ['Tool', (c) => h('code', {}, c.tool)], ['Change', (c) => c.change],
          ['New hash', (c) => (c.new_hash ? h('code', { title: c.new_hash }, c.new_hash.slice(0, 12)) : '—')]], changes.value.changes)
        : empty('No catalog changes recorded.')));
}
