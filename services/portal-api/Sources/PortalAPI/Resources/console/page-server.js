// Version, configuration (admins only) and the protected-resource metadata.
import { api } from './api.js';
import { h, clear, json, section, failure } from './ui.js';

export async function render(main, { me }) {
  const [server, wellknown] = await Promise.allSettled([api('portal/server'), api('portal/wellknown')]);
  if (server.status === 'rejected') throw server.reason;
  const s = server.value;
  const gateway = s.gateway || {};
  clear(main, h('h1', {}, 'Server'),
    section('Version',
      h('dl', { class: 'facts' },
        h('dt', {}, 'Tollgate'), h('dd', {}, s.version),
        h('dt', {}, 'Gateway'), h('dd', {}, `${gateway.name ?? '—'} ${gateway.version ?? ''}`),
        h('dt', {}, 'MCP revisions'), h('dd', {}, (gateway.protocol_versions || []).join(', ') || '—'))),
    section('Configuration', s.config ? json({ portal: s.config, gateway: gateway.config }) : h('p', { class: 'muted' }, `The configuration is shown to admins only; your scopes: ${me.scopes.join(', ') || 'none'}.`)),
    section('Protected-resource metadata', wellknown.status === 'fulfilled' ? json(wellknown.value) : failure(wellknown.reason)));
}
