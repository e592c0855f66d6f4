// Which drawn objects a plan's steps name. A step's object is the CLI's plan line
// ("route 192.168.200.201/32 dev vme7b9a73a1.0 scope link proto hostnet",
// "proxy 192.168.200.201 dev br1", "link eth0 up (guest netns …)"): the vme name,
// the address or the guest's namespace in it says whose object it is.

const VME = /\bvme[0-9a-f]{8}\.\d+\b/;
const DEVICE_SYSCTL = /\/(?:conf|neigh)\/([^/\s=]+)\//;

/** Marks as keys: `a:VME` (an adapter), `a:VME:PART` (one of its rows), `vm:NAME`, `net:NAME`, `net:NAME:PART`, `server`. */
export function marksOf(steps, model) {
  const marks = new Map();
  const add = (key, text) => {
    if (!marks.has(key)) marks.set(key, []);
    marks.get(key).push(text);
  };
  for (const step of steps ?? []) {
    const object = step.object ?? '';
    const text = `${step.change} ${object}${step.now ? ` (now: ${step.now})` : ''}`;
    const words = object.split(' ');
    const kind = words[0];
    if (step.netns && model.vmByGuestNetns.has(step.netns)) {
      add(`vm:${model.vmByGuestNetns.get(step.netns)}`, text);
      continue;
    }
    const vme = object.match(VME)?.[0];
    if (vme) {
      add(`a:${vme}`, text);
      add(`a:${vme}:${kind}`, text);
      continue;
    }
    if (kind === 'proxy' || kind === 'neighbor') {
      const adapter = model.adapterByIp.get(words[1]);
      if (adapter) {
        add(`a:${adapter.hostInterface}`, text);
        add(`a:${adapter.hostInterface}:${kind}`, text);
        continue;
      }
    }
    const device = kind === 'bridge' || kind === 'uplink' ? words[1] : object.match(DEVICE_SYSCTL)?.[1];
    const networks = device ? model.networks.filter((n) => n.uplink === device || n.bridge === device) : [];
    if (networks.length > 0) {
      for (const n of networks) {
        add(`net:${n.name}`, text);
        add(`net:${n.name}:${device === n.bridge ? 'bridge' : 'uplink'}`, text);
      }
      continue;
    }
    add('server', text);
  }
  return marks;
}
