// The tools the signed-in caller may call, grouped by origin, each with a form built from its
// input schema and (for admins) try-it.
import { api } from './api.js';
import { h, clear, json, badge, field, empty, section } from './ui.js';

export async function render(main, { me }) {
  const [{ tools }, upstreams] = await Promise.all([
    api('portal/tools'),
    // An upstream's tools carry its name as their group; the list needs the admin scope.
    me.scopes.includes('admin') ? api('portal/upstreams').then((u) => u.upstreams.map((x) => x.name), () => []) : Promise.resolve([]),
  ]);
  const origin = (group) => (upstreams.includes(group) ? `upstream: ${group}` : me.scopes.includes('admin') ? `built-in: ${group}` : group);
  const groups = new Map();
  for (const tool of tools) {
    const group = tool.group || 'ungrouped';
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(tool);
  }
  const admin = me.scopes.includes('admin');
  clear(main, h('h1', {}, 'Tools'),
    admin ? null : h('p', { class: 'muted' }, 'Try-it needs the admin scope; the forms show each tool\'s input.'),
    tools.length ? [...groups.keys()].sort().map((group) => section(origin(group), groups.get(group).map((tool) => toolCard(tool, admin))))
      : empty('No tools are available to you.'));
}

function toolCard(tool, admin) {
  const schema = tool.input_schema || {};
  const properties = schema.properties || {};
  const required = new Set(schema.required || []);
  const controls = Object.entries(properties).map(([name, property]) => control(tool.name, name, property || {}, required.has(name)));
  const output = h('div', { class: 'tryit-output', 'aria-live': 'polite' });
  const form = h('form', { class: 'tool-form', 'aria-label': `Arguments of ${tool.name}`, onsubmit: async (event) => {
    event.preventDefault();
    let args;
    try {
      args = collect(controls);
    } catch (error) {
      clear(output, h('p', { class: 'form-error', role: 'alert' }, error.message));
      return;
    }
    clear(output, h('p', { class: 'muted' }, 'Running…'));
    try {
      const result = await api(`admin/tryit/${encodeURIComponent(tool.name)}`, { method: 'POST', body: { arguments: args } });
      clear(output, resultView(result));
    } catch (error) {
      clear(output, h('p', { class: 'form-error', role: 'alert' }, error.message));
    }
  } },
  controls.map((c) => c.element),
  controls.length ? null : h('p', { class: 'muted' }, 'No arguments.'),
  h('div', { class: 'actions' }, h('button', { type: 'submit', disabled: !admin, 'data-tool': tool.name }, 'Try it')));
  return h('details', { class: 'tool', id: `tool-${tool.name}` },
    h('summary', {}, h('code', {}, tool.name), ' ', h('span', { class: 'muted' }, tool.description || '')),
    form, output);
}

/** One argument's input, by its schema type; objects and arrays are edited as JSON. */
function control(toolName, name, property, isRequired) {
  const id = `arg-${toolName}-${name}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const label = `${name}${isRequired ? ' (required)' : ''}`;
  const hint = property.description;
  let input;
  let read;
  if (Array.isArray(property.enum)) {
    input = h('select', { id }, [h('option', { value: '' }, '—')].concat(property.enum.map((value) => h('option', { value: JSON.stringify(value) }, String(value)))));
    read = () => (input.value ? JSON.parse(input.value) : undefined);
  } else if (property.type === 'boolean') {
    input = h('select', { id }, h('option', { value: '' }, '—'), h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'));
    read = () => (input.value ? input.value === 'true' : undefined);
  } else if (property.type === 'integer' || property.type === 'number') {
    input = h('input', { id, type: 'number', step: property.type === 'integer' ? '1' : 'any', min: property.minimum, max: property.maximum });
    read = () => (input.value === '' ? undefined : Number(input.value));
  } else if (property.type === 'string') {
    input = h('input', { id, type: 'text' });
    read = () => (input.value === '' ? undefined : input.value);
  } else {
    input = h('textarea', { id, rows: 3, placeholder: 'JSON' });
    read = () => {
      if (!input.value.trim()) return undefined;
      try { return JSON.parse(input.value); } catch { throw new Error(`${name} must be JSON`); }
    };
  }
  if (isRequired) input.required = true;
  return { name, read, element: field(label, input, hint) };
}

function collect(controls) {
  const args = {};
  for (const c of controls) {
    const value = c.read();
    if (value !== undefined) args[c.name] = value;
  }
  return args;
}

function resultView(result) {
  const blocks = (result.content || []).map((block) => (block.type === 'text' ? h('pre', { class: 'block' }, block.text) : json(block)));
  return h('div', { class: 'result' },
    h('p', {}, result.isError ? badge('isError: true', 'bad') : badge('isError: false', 'ok')),
    blocks.length ? blocks : json(result),
    result.structuredContent ? [h('p', { class: 'muted' }, 'structuredContent'), json(result.structuredContent)] : null);
}
