// The seed's two figures as SVG, one block per network. Bridged: the uplink is a port of the
// bridge, and each VM's vme is another port beside it. Host-routed: the server answers ARP for
// each VM address on its L3 uplink (the published "MP" entry), routes it by a /32 to the VM's vme,
// where the gateway 169.255.30.1 sits, and holds the VM's own ARP entry (permanent).

const NS = 'http://www.w3.org/2000/svg';
const COL = 252;
const MARGIN = 16;
const ROW = 15;

function el(name, attrs = {}, parent = null) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined && v !== false) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

function text(parent, x, y, content, cls = '') {
  const t = el('text', { x, y, class: cls || null }, parent);
  t.textContent = content;
  return t;
}

function clip(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** A row of a vme box: a rect that turns red when the plan names the row's object, and its text. */
function row(parent, ctx, x, y, w, key, content, cls = 'mono') {
  const mark = ctx.mark(key);
  // What the plan would do to the row's object says how the kernel differs: it lacks it, has it extra, or otherwise.
  const change = mark === 'drift' ? ctx.changeOf(key) : null;
  const suffix = { add: ' missing', remove: ' extra', change: ' differs' }[change] ?? '';
  const r = el('rect', { x, y: y - 11, width: w, height: ROW, class: `row ${mark}`.trim(), 'data-mark': key }, parent);
  const t = text(parent, x + 6, y, content + suffix, `${cls} ${mark}`.trim());
  return [r, t];
}

function header(svg, ctx, net, width) {
  // The LAN, and the server holding the uplink (and the bridge or the routing).
  el('line', { x1: 0, y1: 14, x2: width, y2: 14, class: 'lan' }, svg);
  text(svg, MARGIN, 34, 'LAN', 'title');
  el('rect', { x: 4, y: 42, width: width - 8, height: 62, rx: 6, class: 'server' }, svg);
  text(svg, width - 70, 56, 'server', 'muted');
  el('line', { x1: MARGIN + 60, y1: 14, x2: MARGIN + 60, y2: 56, class: 'wire' }, svg);
  const uplinkMark = ctx.mark(`net:${net.name}:uplink`);
  const g = el('g', { class: uplinkMark || null }, svg);
  el('rect', { x: MARGIN, y: 56, width: 150, height: 36, rx: 4, class: 'box', 'data-mark': `net:${net.name}:uplink` }, g);
  text(g, MARGIN + 8, 72, `${net.uplink}`, 'title');
  text(g, MARGIN + 8, 86, net.mode === 'bridged' ? `uplink, port of ${net.bridge}` : `uplink (L3: ${ctx.l3Uplink(net)})`, 'muted');
  const x = MARGIN + 170;
  const w = Math.max(200, Math.min(width - x - 80, 470));
  if (net.mode === 'bridged') {
    const bridge = el('g', { class: ctx.mark(`net:${net.name}:bridge`) || null }, svg);
    el('rect', { x, y: 56, width: w, height: 36, rx: 4, class: 'box', 'data-mark': `net:${net.name}:bridge` }, bridge);
    text(bridge, x + 8, 72, `${net.bridge} (bridge)`, 'title');
    text(bridge, x + 8, 86, clip(`ports: ${net.uplink} and each VM's vme`, 60), 'muted');
    el('line', { x1: MARGIN + 150, y1: 74, x2: x, y2: 74, class: 'wire' }, svg);
  } else {
    el('rect', { x, y: 56, width: w, height: 36, rx: 4, class: 'box' }, svg);
    text(svg, x + 8, 72, 'routing: ip_forward, a /32 route per VM', 'title');
    text(svg, x + 8, 86, clip(`ARP: a published (MP) entry per VM address on ${ctx.l3Uplink(net)}`, 64), 'muted');
    el('line', { x1: MARGIN + 150, y1: 74, x2: x, y2: 74, class: 'wire' }, svg);
  }
  return 104;
}

function adapterHeight(net) {
  return net.mode === 'bridged' ? 2 * ROW + 14 : 5 * ROW + 14;
}

function vmeBox(g, ctx, net, a, x, y) {
  const h = adapterHeight(net);
  const vme = a.hostInterface;
  const box = el('g', { class: ctx.mark(`a:${vme}`) || null }, g);
  el('rect', { x, y, width: COL - 24, height: h, rx: 4, class: 'box', 'data-mark': `a:${vme}` }, box);
  const w = COL - 28;
  let ty = y + 16;
  const ips = a.ips ?? [];
  const first = ips[0] ?? '';
  const more = ips.length > 1 ? ` +${ips.length - 1}` : '';
  row(box, ctx, x + 2, ty, w, `a:${vme}:link`, vme, 'title');
  ty += ROW;
  if (net.mode === 'bridged') {
    text(box, x + 8, ty, a.running ? `port of ${net.bridge}` : 'not on the server (stopped)', a.running ? 'mono' : 'muted');
    return h;
  }
  if (!a.running) {
    text(box, x + 8, ty, 'not on the server (stopped)', 'muted');
    return h;
  }
  row(box, ctx, x + 2, ty, w, `a:${vme}:address`, `gw ${net.gateway ?? '169.255.30.1'}/32`);
  ty += ROW;
  row(box, ctx, x + 2, ty, w, `a:${vme}:route`, `route ${first.split('/')[0]}/32${more}`);
  ty += ROW;
  const neighbor = ctx.neighborOf(first.split('/')[0], vme);
  row(box, ctx, x + 2, ty, w, `a:${vme}:neighbor`, neighbor ? `neigh ${neighbor.hwaddress} PERM` : 'neigh: none');
  ty += ROW;
  const proxy = ctx.proxyOf(first.split('/')[0]);
  row(box, ctx, x + 2, ty, w, `a:${vme}:proxy`, proxy ? `proxy on ${proxy.iface} (MP)` : 'proxy: none');
  return h;
}

function vmBox(g, ctx, a, x, y) {
  const node = el('g', {
    class: `vm ${a.running ? 'running' : 'stopped'} ${ctx.mark(`vm:${a.vm}`)}`.trim(),
    tabindex: 0,
    role: 'link',
    'data-vm': a.vm,
    'data-focus': `${a.vm}/${a.adapter}`,
    'aria-label': `VM ${a.vm}, adapter ${a.adapter}, ${a.mode}, ${(a.ips ?? []).join(' ') || 'no address'}, MAC ${a.mac}, `
      + `${a.hostInterface}, ${a.running ? 'running' : 'stopped'}${ctx.mark(`a:${a.hostInterface}`) || ctx.mark(`vm:${a.vm}`) ? ', drift' : ''}`,
  }, g);
  el('title', {}, node).textContent = `Open VM ${a.vm}`;
  el('rect', { x, y, width: COL - 24, height: 66, rx: 6, class: 'vmbox' }, node);
  text(node, x + 8, y + 16, clip(`${a.vm} · ${a.adapter}`, 24), 'title');
  text(node, x + 8, y + 31, clip(`${a.guestInterface ?? 'eth' + a.index} ${(a.ips ?? []).join(' ') || 'no address'}`, 28), 'mono');
  text(node, x + 8, y + 45, `mac ${a.mac}`, 'mono');
  text(node, x + 8, y + 59, `${a.running ? 'running' : 'stopped'} · ${clip(a.guest ?? '', 18)}`, 'muted');
  node.addEventListener('click', () => ctx.open(a.vm));
  node.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      ctx.open(a.vm);
    }
  });
  return node;
}

/**
 * The SVG of network `net` with `adapters` (those the search and the filter leave, at most the
 * group's limit), `width` pixels wide. `ctx` says what is red (`mark(key)`) and opens a VM page.
 */
export function drawNetwork(net, adapters, width, ctx) {
  const perRow = Math.max(1, Math.floor((width - MARGIN) / COL));
  const rows = Math.max(1, Math.ceil(adapters.length / perRow));
  const vmeH = adapterHeight(net);
  const rowH = 18 + vmeH + 26 + 66 + 14;
  const used = Math.min(adapters.length, perRow);
  const w = Math.max(width, MARGIN * 2 + used * COL);
  const svg = el('svg', { class: 'topo', width: w, role: 'group', 'aria-label': `${net.mode} network ${net.name}: drawing` });
  const top = header(svg, ctx, net, w);
  const h = top + rows * rowH + 4;
  svg.setAttribute('height', h);
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  const trunkX = MARGIN + 60;
  el('line', { x1: trunkX, y1: 92, x2: trunkX, y2: top + (rows - 1) * rowH + 10, class: 'wire' }, svg);
  adapters.forEach((a, i) => {
    const r = Math.floor(i / perRow);
    const c = i % perRow;
    const y0 = top + r * rowH;
    const x = MARGIN + c * COL;
    if (c === 0) {
      // The bus of this row: the bridge's ports, or the server's routing out to each vme.
      const end = MARGIN + Math.min(perRow, adapters.length - r * perRow) * COL - 24;
      el('line', { x1: trunkX, y1: y0 + 10, x2: end, y2: y0 + 10, class: 'bus' }, svg);
      el('rect', { x: 4, y: y0 + 18, width: w - 8, height: vmeH + 8, rx: 6, class: 'server' }, svg);
    }
    const g = el('g', { class: 'adapter', 'data-vme': a.hostInterface }, svg);
    el('line', { x1: x + 40, y1: y0 + 10, x2: x + 40, y2: y0 + 22, class: 'wire' }, g);
    vmeBox(g, ctx, net, a, x, y0 + 22);
    el('line', { x1: x + 40, y1: y0 + 22 + vmeH, x2: x + 40, y2: y0 + 22 + vmeH + 26, class: 'wire' }, g);
    text(g, x + 46, y0 + 22 + vmeH + 17, `${a.guestInterface ?? 'eth' + a.index} (in the VM)`, 'muted');
    vmBox(g, ctx, a, x, y0 + 22 + vmeH + 26);
  });
  if (adapters.length === 0) text(svg, MARGIN, top + 30, 'no VM of this network matches', 'muted');
  return svg;
}
