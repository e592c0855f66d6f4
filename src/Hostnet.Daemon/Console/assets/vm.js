// A VM's page: its adapters, its kernel objects on the server (red where the plan differs),
// what QEMU or libvirt needs for a tap guest, start/stop, and a trace drawn as a path.
import { get, getText, post, Problem } from './api.js';
import { drawNetwork } from './topology.js';

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v; else e.setAttribute(k, v === true ? '' : String(v));
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

const line = (e) => (e instanceof Problem ? e.message : String(e));

/** Builds the page's frame for VM `name`; `updateVmPage` fills what changes. */
export function renderVmPage(root, name, ctx) {
  const start = h('button', { type: 'button', id: 'vm-start' }, 'Start');
  const stop = h('button', { type: 'button', id: 'vm-stop', class: 'secondary' }, 'Stop');
  const act = async (verb) => {
    start.disabled = stop.disabled = true;
    ctx.showProblem('');
    try {
      await post(`/v1/vms/${encodeURIComponent(name)}/${verb}`);
      loadSnippets(root, name);
    } catch (e) {
      ctx.showProblem(line(e));
    } finally {
      start.disabled = stop.disabled = false;
      await ctx.refresh();
    }
  };
  start.addEventListener('click', () => act('start'));
  stop.addEventListener('click', () => act('stop'));

  const dest = h('input', { id: 'trace-dest', name: 'dest', required: true, placeholder: '192.168.200.201', size: 18 });
  const from = h('select', { id: 'trace-from', name: 'from' },
    h('option', { value: 'lan' }, 'computer X on the LAN'), h('option', { value: `vm:${name}` }, `VM ${name}`));
  const form = h('form', { class: 'trace', id: 'trace-form' },
    h('label', { for: 'trace-dest' }, 'Destination'), dest, h('label', { for: 'trace-from' }, 'from'), from,
    h('button', { type: 'submit' }, 'Trace'));
  const path = h('div', { id: 'trace-result', 'aria-live': 'polite' });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    path.replaceChildren(h('p', { class: 'note' }, 'tracing…'));
    try {
      const q = new URLSearchParams({ dest: dest.value.trim(), from: from.value });
      path.replaceChildren(tracePath(await get(`/v1/trace?${q}`)));
    } catch (err) {
      path.replaceChildren(h('p', { class: 'problem', role: 'alert' }, line(err)));
    }
  });

  root.replaceChildren(
    h('p', {}, h('a', { href: '/', 'data-route': true }, '← all of the server')),
    h('h2', { id: 'vm-title' }, `VM ${name}`),
    h('div', { class: 'actions' }, h('span', { id: 'vm-state', class: 'state' }, ''), start, stop),
    h('div', { id: 'vm-drawing' }),
    h('h2', {}, 'Adapters'),
    h('table', { id: 'vm-adapters' }, h('thead', {}, h('tr', {}, ...['Adapter', 'Network', 'Mode', 'Addresses', 'Gateway', 'MAC',
      'Server side', 'Server MAC', 'In the VM'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody')),
    h('h2', {}, 'Kernel objects on the server'),
    h('ul', { id: 'vm-objects', class: 'objects' }),
    h('h2', {}, 'QEMU and libvirt'),
    h('div', { id: 'vm-snippets' }, h('p', { class: 'note' }, 'reading…')),
    h('h2', {}, 'Trace'),
    h('p', { class: 'note' }, 'Follows a packet hop by hop, as `hostnet trace` does; the first hop that fails is marked, with the command that mends it.'),
    form, path);
  root.dataset.details = '';
  loadSnippets(root, name);
}

async function loadSnippets(root, name) {
  const box = root.querySelector('#vm-snippets');
  try {
    const qemu = await get(`/v1/vms/${encodeURIComponent(name)}/qemu`);
    const libvirt = await getText(`/v1/vms/${encodeURIComponent(name)}/libvirt`);
    box.replaceChildren(
      h('h3', {}, 'QEMU arguments'), h('pre', {}, qemu.qemuArgs.join(' ')),
      h('h3', {}, 'libvirt <interface> elements'), h('pre', {}, libvirt),
      h('h3', {}, 'In the guest'),
      h('pre', {}, qemu.adapters.flatMap((a) => [`# ${a.name}: ${a.guestInterface}, ${a.mode} network ${a.network}`, ...a.ipCommands]).join('\n')));
  } catch (e) {
    box.replaceChildren(h('p', { class: 'note' }, line(e)));
  }
}

/** The steps of a trace as a path: hops that passed, the first that failed marked, the rest not reached. */
function tracePath(steps) {
  const failed = steps.findIndex((s) => !s.ok);
  return h('ol', { class: 'path', 'aria-label': failed < 0 ? 'trace: every hop passes' : `trace: fails at ${steps[failed].step}` },
    ...steps.map((s, i) => h('li', {
      class: s.ok ? (failed >= 0 && i > failed ? 'after' : 'ok') : (i === failed ? 'fail' : 'after'),
      'aria-current': i === failed ? 'step' : null,
    },
    h('span', { class: 'step' }, `${s.ok ? '✓' : '✗'} ${s.step}${i === failed ? ' (fails here)' : ''}`),
    h('div', {}, s.detail),
    s.fix ? h('code', {}, s.fix) : null)));
}

/** Fills the page from the last read of the server, and the VM's own document. */
export async function updateVmPage(root, name, ctx) {
  const model = ctx.model;
  const vm = model.vmByName.get(name);
  if (!vm) {
    root.querySelector('#vm-state').textContent = 'no such VM in the state';
    return;
  }
  let doc;
  try {
    doc = await get(`/v1/vms/${encodeURIComponent(name)}`);
  } catch (e) {
    ctx.showProblem(line(e));
    return;
  }
  const state = root.querySelector('#vm-state');
  state.textContent = `${doc.running ? 'running' : 'stopped'} · guest ${doc.guest}${doc.pendingApply ? ' · waiting for apply' : ''}`;
  state.className = `state ${doc.running ? 'running' : 'stopped'}`;
  root.querySelector('#vm-start').disabled = doc.running;
  root.querySelector('#vm-stop').disabled = !doc.running;
  const dest = root.querySelector('#trace-dest');
  if (!dest.value && doc.adapters[0]?.ips[0]) dest.value = doc.adapters[0].ips[0].split('/')[0];

  root.querySelector('#vm-adapters').tBodies[0].replaceChildren(...doc.adapters.map((a) => h('tr', {},
    ...[a.name, a.network, a.mode, a.ips.join(' '), a.gateway ?? '', a.mac, a.hostInterface, a.hostMac, a.guestInterface]
      .map((v) => h('td', {}, v ?? '')))));

  const drawing = root.querySelector('#vm-drawing');
  const width = Math.max(480, drawing.clientWidth || 960);
  drawing.replaceChildren(...model.networks
    .map((n) => [n, n.adapters.filter((a) => a.vm === name)])
    .filter(([, a]) => a.length > 0)
    .map(([n, a]) => drawNetwork(n, a, width - 4, ctx)));

  const items = [];
  const objectMark = (kind, vme) => ctx.mark(`a:${vme}:${kind}`);
  for (const a of doc.adapters) {
    const vme = a.hostInterface;
    items.push([`link ${vme} address ${a.hostMac}${a.mode === 'bridged' ? ` (port of the bridge)` : ''}`, objectMark('link', vme)]);
    for (const r of model.routes.filter((x) => x.dev === vme)) items.push([`route ${r.dst} dev ${r.dev} scope ${r.scope} proto ${r.protocol}`, objectMark('route', vme)]);
    for (const r of model.arp.filter((x) => x.iface === vme && x.flags !== 'MP')) items.push([`neighbour ${r.address} lladdr ${r.hwaddress} dev ${r.iface} (${r.flags})`, objectMark('neighbor', vme)]);
    for (const ip of a.ips) {
      for (const r of model.arp.filter((x) => x.address === ip.split('/')[0] && x.flags === 'MP')) items.push([`proxy ${r.address} dev ${r.iface} (MP)`, objectMark('proxy', vme)]);
    }
  }
  for (const s of ctx.plan?.steps ?? []) {
    if (doc.adapters.some((a) => s.object.includes(a.hostInterface) || a.ips.some((ip) => s.object.split(' ')[1] === ip.split('/')[0]))
      || (doc.guest.startsWith('netns:') && s.netns === doc.guest.slice(6))) {
      items.push([`drift: ${s.change} ${s.object}${s.now ? ` (now: ${s.now})` : ''}`, 'drift']);
    }
  }
  root.querySelector('#vm-objects').replaceChildren(...(items.length ? items : [['none: the VM is stopped or not applied yet', '']])
    .map(([t, cls]) => h('li', { class: cls || null }, t)));
}
