// The console: the server's state and kernel as the daemon serves them, kept live by its events.
import { get, post, Problem } from './api.js';
import { marksOf } from './drift.js';
import { drawNetwork } from './topology.js';
import { renderVmPage, updateVmPage } from './vm.js';

/** How long a mended object stays marked after the event that repaired it. */
const MENDED_MS = 5000;
/** How often the plan is read while the page is visible: drift made by hand sends no event. */
const PLAN_POLL_MS = 1000;
/** VMs drawn per network before "show more". */
const PAGE = 60;

const $ = (id) => document.getElementById(id);

const state = {
  model: null,
  plan: null,
  planText: '',
  marks: new Map(),
  mended: new Map(),
  /** The steps of recent repairs, listed under the drift for as long as their objects stay marked. */
  repairs: [],
  limits: new Map(),
  collapsed: new Set(),
  refreshing: null,
  again: false,
};

function buildModel(networks, details, vms, arp, routes) {
  const vmByName = new Map(vms.map((v) => [v.name, v]));
  const vmByGuestNetns = new Map(vms.filter((v) => v.guest?.startsWith('netns:')).map((v) => [v.guest.slice(6), v.name]));
  const adapterByIp = new Map();
  const groups = networks.map((n) => {
    const adapters = (details[n.name]?.adapters ?? []).map((d) => {
      const vm = vmByName.get(d.vm);
      const own = vm?.adapters.find((x) => `net${x.index}` === d.adapter) ?? vm?.adapters.find((x) => x.network === n.name);
      const a = {
        vm: d.vm, adapter: d.adapter, hostInterface: d.hostInterface, ips: own?.ips ?? d.ips, mac: own?.mac ?? '',
        index: own?.index ?? 0, mode: n.mode, network: n.name, running: vm?.running ?? false, guest: vm?.guest ?? '',
      };
      for (const ip of a.ips) adapterByIp.set(ip.split('/')[0], a);
      return a;
    });
    return { ...n, adapters };
  });
  const attached = new Set(groups.flatMap((g) => g.adapters.map((a) => a.vm)));
  const unattached = vms.filter((v) => !attached.has(v.name));
  return { networks: groups, vms, vmByName, vmByGuestNetns, adapterByIp, arp, routes, unattached };
}

async function readAll() {
  const [networks, vms, arp, routes, plan] = await Promise.all([
    get('/v1/networks'), get('/v1/vms'), get('/v1/arp'), get('/v1/routes'), get('/v1/plan'),
  ]);
  const details = Object.fromEntries(await Promise.all(
    networks.map(async (n) => [n.name, await get(`/v1/networks/${encodeURIComponent(n.name)}`)])));
  state.model = buildModel(networks, details, vms, arp, routes);
  setPlan(plan);
}

function setPlan(plan) {
  state.plan = plan;
  state.planText = JSON.stringify(plan);
  state.marks = state.model ? marksOf(plan.steps, state.model) : new Map();
}

/** Re-reads everything (at most one read at a time; a request during one runs once more after it). */
function refresh() {
  if (state.refreshing) {
    state.again = true;
    return state.refreshing;
  }
  state.refreshing = (async () => {
    try {
      await readAll();
      render();
      setLive(`live · read ${new Date().toLocaleTimeString()}`);
    } catch (e) {
      setLive(e instanceof Problem ? e.message : String(e), true);
    } finally {
      state.refreshing = null;
      if (state.again) {
        state.again = false;
        refresh();
      }
    }
  })();
  return state.refreshing;
}

let scheduled = 0;
function schedule() {
  clearTimeout(scheduled);
  scheduled = setTimeout(refresh, 30);
}

function setLive(text, down = false) {
  const live = $('live');
  live.textContent = text;
  live.classList.toggle('down', down);
}

export function showProblem(line) {
  const alert = $('alert');
  alert.textContent = line;
  alert.hidden = !line;
}

/** The class an object's drawing takes: `drift` while the plan names it, `mended` a few seconds after its repair. */
function mark(key) {
  if (state.marks.has(key)) return 'drift';
  const until = state.mended.get(key);
  if (until && until > Date.now()) return 'mended';
  return '';
}

function mend(steps, onlyDrifted) {
  if (!state.model || !steps) return;
  const until = Date.now() + MENDED_MS;
  let mended = false;
  for (const key of marksOf(steps, state.model).keys()) {
    if (!onlyDrifted || state.marks.has(key)) {
      state.mended.set(key, until);
      mended = true;
    }
  }
  if (!mended) return;
  state.repairs = state.repairs.filter((r) => r.until > Date.now())
    .concat(steps.map((s) => ({ text: `repaired: ${s.change} ${s.object}`, until })));
  setTimeout(render, MENDED_MS + 20);
}

const context = {
  mark,
  changeOf: (key) => state.marks.get(key)?.[0]?.split(' ')[0] ?? null,
  open: (name) => navigate(`/vms/${encodeURIComponent(name)}`),
  l3Uplink: (net) => {
    // The interface that holds the server's LAN address: the bridge when a bridged network enslaves this uplink.
    const bridged = state.model.networks.find((n) => n.mode === 'bridged' && n.uplink === net.uplink);
    return bridged ? bridged.bridge : net.uplink;
  },
  neighborOf: (ip, vme) => state.model.arp.find((r) => r.address === ip && r.iface === vme && r.flags !== 'MP'),
  proxyOf: (ip) => state.model.arp.find((r) => r.address === ip && r.flags === 'MP'),
  get model() { return state.model; },
  get plan() { return state.plan; },
  refresh,
  showProblem,
};

function matches(a, query) {
  if (!query) return true;
  const hay = [a.vm, a.adapter, a.hostInterface, a.mac, a.guest, a.network, ...a.ips].join(' ').toLowerCase();
  return query.split(/\s+/).every((w) => hay.includes(w));
}

function renderOverview() {
  const model = state.model;
  const query = $('search').value.trim().toLowerCase();
  const mode = $('mode').value;
  const root = $('topology');
  const focused = document.activeElement?.getAttribute?.('data-focus');
  const width = Math.max(480, root.clientWidth || 960);
  const blocks = [];
  let shown = 0;
  let total = 0;
  for (const net of model.networks) {
    total += net.adapters.length;
    if (mode && net.mode !== mode) continue;
    const hits = net.adapters.filter((a) => matches(a, query));
    const limit = state.limits.get(net.name) ?? PAGE;
    const drawn = hits.slice(0, limit);
    shown += hits.length;
    const details = document.createElement('details');
    details.className = `group ${mark(`net:${net.name}`)}`.trim();
    details.dataset.network = net.name;
    details.open = !state.collapsed.has(net.name);
    details.addEventListener('toggle', () => {
      if (details.open) state.collapsed.delete(net.name); else state.collapsed.add(net.name);
    });
    const summary = document.createElement('summary');
    const drifted = net.adapters.filter((a) => state.marks.has(`a:${a.hostInterface}`)).length;
    summary.append(`${net.name} `);
    const sub = document.createElement('span');
    sub.className = 'sub';
    sub.textContent = `${net.mode} · uplink ${net.uplink}${net.bridge ? ` · bridge ${net.bridge}` : ''}`
      + `${net.gateway ? ` · gateway ${net.gateway}` : ''} · ${hits.length} of ${net.adapters.length} adapters`
      + `${drifted ? ` · ${drifted} drifted` : ''}`;
    summary.append(sub);
    details.append(summary);
    if (details.open) details.append(drawNetwork(net, drawn, width - 4, context));
    else details.addEventListener('toggle', () => render(), { once: true });
    if (hits.length > drawn.length && details.open) {
      const more = document.createElement('button');
      more.type = 'button';
      more.className = 'more secondary';
      more.textContent = `Show ${Math.min(PAGE * 2, hits.length - drawn.length)} more (${hits.length - drawn.length} not drawn)`;
      more.addEventListener('click', () => {
        state.limits.set(net.name, limit + PAGE * 2);
        render();
      });
      details.append(more);
    }
    blocks.push(details);
  }
  if (model.unattached.length > 0 && !mode) {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = `VMs without adapters: ${model.unattached.map((v) => v.name).join(', ')}`;
    blocks.push(p);
  }
  root.replaceChildren(...blocks);
  $('count').textContent = `${shown} of ${total} adapters shown`;
  if (focused) root.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
  renderDrift();
  renderArp();
}

function renderDrift() {
  const plan = state.plan;
  const summary = $('drift-summary');
  const list = $('drift-list');
  if (!plan) return;
  const steps = plan.steps ?? [];
  summary.className = steps.length ? 'drifted' : 'in-sync';
  summary.textContent = steps.length
    ? `Drift: the kernel differs from the state in ${steps.length} object${steps.length > 1 ? 's' : ''} (Apply repairs it).`
    : 'In sync: the kernel holds what the state says.';
  list.replaceChildren(...steps.slice(0, 50).map((s) => {
    const li = document.createElement('li');
    li.textContent = `${s.change} ${s.object}${s.now ? `   (now: ${s.now})` : ''}`;
    return li;
  }));
  for (const p of plan.problems ?? []) {
    const li = document.createElement('li');
    li.textContent = p;
    list.append(li);
  }
  // What the daemon mended a moment ago stays listed as long as it stays marked.
  for (const r of state.repairs.filter((x) => x.until > Date.now()).slice(0, 50)) {
    const li = document.createElement('li');
    li.className = 'mended';
    li.textContent = r.text;
    list.append(li);
  }
}

function renderArp() {
  const body = $('arp').tBodies[0];
  body.replaceChildren(...state.model.arp.map((r) => {
    const tr = document.createElement('tr');
    if (r.flags === 'MP') tr.className = 'proxy';
    for (const v of [r.address, r.hwtype, r.hwaddress, r.flags, r.iface]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    return tr;
  }));
}

function route() {
  const m = location.pathname.match(/^\/vms\/([^/]+)$/);
  return m ? decodeURIComponent(m[1]) : null;
}

let shownVm = null;
function render() {
  if (!state.model) return;
  const vm = route();
  $('overview').hidden = vm !== null;
  $('vm-page').hidden = vm === null;
  if (vm === null) {
    shownVm = null;
    document.title = 'Hostnet console';
    renderOverview();
  } else {
    if (shownVm !== vm) {
      shownVm = vm;
      document.title = `${vm} · Hostnet console`;
      renderVmPage($('vm-page'), vm, context);
    }
    updateVmPage($('vm-page'), vm, context);
  }
}

function navigate(path) {
  history.pushState(null, '', path);
  showProblem('');
  render();
  $('main').focus();
}

async function apply() {
  const button = $('apply');
  button.disabled = true;
  showProblem('');
  try {
    const plan = await post('/v1/apply');
    setLive(`applied ${plan.steps.length} change${plan.steps.length === 1 ? '' : 's'}`);
  } catch (e) {
    showProblem(e instanceof Problem ? e.message : String(e));
  } finally {
    button.disabled = false;
    schedule();
  }
}

function subscribe() {
  const events = new EventSource('/v1/events');
  events.addEventListener('open', () => setLive('live'));
  events.addEventListener('error', () => setLive('the event stream is down; reconnecting…', true));
  const read = (e) => {
    try { return JSON.parse(e.data); } catch { return null; }
  };
  // A repair by the daemon's watch loop names what it mended; an apply mends what was drawn red.
  events.addEventListener('repaired', (e) => { mend(read(e)?.steps, false); schedule(); });
  events.addEventListener('applied', (e) => { mend(read(e)?.steps, true); schedule(); });
  for (const name of ['refused', 'error']) {
    events.addEventListener(name, (e) => {
      const problem = read(e);
      // A refusal of this page's own action is already shown by the action, in its own words.
      if (problem?.detail && $('alert').textContent !== problem.detail) showProblem(`daemon: ${problem.detail}`);
      schedule();
    });
  }
  events.onmessage = schedule;
}

async function pollPlan() {
  if (!document.hidden && state.model && !state.refreshing) {
    try {
      const plan = await get('/v1/plan');
      if (JSON.stringify(plan) !== state.planText) {
        // The kernel changed under the state (by hand, or repaired): what it shows changed too.
        setPlan(plan);
        render();
        schedule();
      }
    } catch (e) {
      setLive(e instanceof Problem ? e.message : String(e), true);
    }
  }
  setTimeout(pollPlan, PLAN_POLL_MS);
}

document.addEventListener('click', (e) => {
  const a = e.target.closest?.('a[data-route]');
  if (a && e.button === 0 && !e.ctrlKey && !e.metaKey) {
    e.preventDefault();
    navigate(a.getAttribute('href'));
  }
});
window.addEventListener('popstate', render);
$('apply').addEventListener('click', apply);
$('search').addEventListener('input', render);
$('mode').addEventListener('change', render);
$('filters').addEventListener('submit', (e) => e.preventDefault());
let resized = 0;
window.addEventListener('resize', () => { clearTimeout(resized); resized = setTimeout(render, 150); });

subscribe();
refresh().then(() => setTimeout(pollPlan, PLAN_POLL_MS));
