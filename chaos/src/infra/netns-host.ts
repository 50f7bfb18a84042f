import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ip = async (...args: string[]): Promise<void> => {
  await run('ip', args, { timeout: 10_000 });
};

/**
 * A "host" of its own: a network namespace (`pc-i9-<id>`) joined to this machine by a veth pair
 * with addresses from 198.18.0.0/15 (the benchmarking range, never routed elsewhere):
 * `hostAddress` on this side, `nodeAddress` inside. {@link NetnsHost.cut} makes the link DROP
 * every packet in both directions (blackhole routes on both sides: nothing is reset, no ICMP is
 * sent, the peers only learn through their timeouts), {@link NetnsHost.heal} undoes it.
 * (`tc netem` would do the same but its qdisc is not available on every kernel; checked here.)
 */
export class NetnsHost {
  readonly name: string;
  readonly hostAddress: string;
  readonly nodeAddress: string;
  readonly #hostLink: string;
  #cut = false;

  private constructor(id: string, hostAddress: string, nodeAddress: string) {
    this.name = `pc-i9-${id}`;
    this.#hostLink = `pc-i9-${id}h`;
    this.hostAddress = hostAddress;
    this.nodeAddress = nodeAddress;
  }

  /** Creates the namespace and the link (`hostAddress`/30 here, `nodeAddress`/30 inside). Needs root and iproute2. */
  static async create(id: string, hostAddress: string, nodeAddress: string): Promise<NetnsHost> {
    const host = new NetnsHost(id, hostAddress, nodeAddress);
    const inner = `pc-i9-${id}n`;
    await host.destroy(); // a leftover of an aborted run
    await ip('netns', 'add', host.name);
    await ip('link', 'add', host.#hostLink, 'type', 'veth', 'peer', 'name', inner);
    await ip('link', 'set', inner, 'netns', host.name);
    await ip('addr', 'add', `${hostAddress}/30`, 'dev', host.#hostLink);
    await ip('link', 'set', host.#hostLink, 'up');
    await ip('netns', 'exec', host.name, 'ip', 'addr', 'add', `${nodeAddress}/30`, 'dev', inner);
    await ip('netns', 'exec', host.name, 'ip', 'link', 'set', inner, 'up');
    await ip('netns', 'exec', host.name, 'ip', 'link', 'set', 'lo', 'up');
    return host;
  }

  /** The command prefix that runs a program inside the namespace. */
  get exec(): readonly string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  /** Every packet between the two sides is dropped from now on (both directions). */
  async cut(): Promise<void> {
    if (this.#cut) return;
    await ip('route', 'add', 'blackhole', `${this.nodeAddress}/32`);
    await ip('netns', 'exec', this.name, 'ip', 'route', 'add', 'blackhole', `${this.hostAddress}/32`);
    this.#cut = true;
  }

  /** Packets flow again. */
  async heal(): Promise<void> {
    if (!this.#cut) return;
    this.#cut = false;
    await ip('route', 'del', 'blackhole', `${this.nodeAddress}/32`).catch(() => undefined);
    await ip('netns', 'exec', this.name, 'ip', 'route', 'del', 'blackhole', `${this.hostAddress}/32`).catch(() => undefined);
  }

  /** Removes the namespace and the link. Never throws. */
  async destroy(): Promise<void> {
    await ip('route', 'del', 'blackhole', `${this.nodeAddress}/32`).catch(() => undefined);
    await ip('link', 'del', this.#hostLink).catch(() => undefined);
    await ip('netns', 'del', this.name).catch(() => undefined);
  }
}

/** Whether network namespaces can be made here (root and `ip`). */
export async function canUseNetns(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  try {
    await run('ip', ['netns', 'list'], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}
