import { inCidr } from '../../../lab/net/ip.js';

/**
 * A small interpreter of the iptables-restore text the lab renders, for the subset of matches and
 * targets it uses, so the policy compiler's output can be checked rule by rule without a kernel.
 * Packets are the first packet of a connection (conntrack state NEW).
 */

export interface Packet {
  readonly src: string;
  readonly dst: string;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly dport: number;
}

export type Verdict = 'ACCEPT' | 'REJECT' | 'DROP';

interface Rule {
  readonly tokens: readonly string[];
}

export class RuleSet {
  readonly #chains = new Map<string, Rule[]>();

  constructor(text: string) {
    for (const line of text.split('\n')) {
      if (line.startsWith(':')) this.#chains.set(line.slice(1).split(' ')[0]!, []);
      if (!line.startsWith('-A ')) continue;
      const tokens = tokenize(line);
      const chain = tokens[1]!;
      if (!this.#chains.has(chain)) this.#chains.set(chain, []);
      this.#chains.get(chain)!.push({ tokens: tokens.slice(2) });
    }
  }

  /** The verdict of traversing `chain` (a built-in one: falling off the end means its policy ACCEPT). */
  evaluate(chain: string, packet: Packet): Verdict {
    const state = { mark: 0 };
    return this.#traverse(chain, packet, state, 0) ?? 'ACCEPT';
  }

  #traverse(chain: string, packet: Packet, state: { mark: number }, depth: number): Verdict | undefined {
    if (depth > 20) throw new Error('rule loop');
    const rules = this.#chains.get(chain);
    if (!rules) throw new Error(`no chain ${chain}`);
    for (const rule of rules) {
      const target = matches(rule.tokens, packet, state);
      if (target === null) continue;
      const [name, ...options] = target;
      if (name === 'RETURN') return undefined;
      if (name === 'ACCEPT' || name === 'DROP') return name;
      if (name === 'REJECT') return 'REJECT';
      if (name === 'MARK') {
        const [value, mask] = options[options.indexOf('--set-xmark') + 1]!.split('/').map(Number) as [number, number];
        state.mark = (state.mark & ~mask) ^ value;
        continue;
      }
      const verdict = this.#traverse(name!, packet, state, depth + 1);
      if (verdict) return verdict;
    }
    return undefined;
  }
}

/** The target and its options when the rule matches, else null. */
function matches(tokens: readonly string[], packet: Packet, state: { mark: number }): string[] | null {
  let negate = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next = () => tokens[++i]!;
    let ok: boolean;
    switch (token) {
      case '!': negate = true; continue;
      case '-j': return tokens.slice(i + 1) as string[];
      case '-s': ok = inCidr(packet.src, next()); break;
      case '-d': ok = inCidr(packet.dst, next()); break;
      case '-p': ok = packet.protocol === next(); break;
      case '-m': next(); continue;
      case '--comment': next(); continue;
      case '--dport': {
        const [low, high] = next().split(':').map(Number) as [number, number | undefined];
        ok = packet.dport >= low && packet.dport <= (high ?? low);
        break;
      }
      case '--ctstate': ok = next().split(',').includes('NEW'); break;
      case '--mark': {
        const [value, mask] = next().split('/').map(Number) as [number, number];
        ok = (state.mark & mask) === value;
        break;
      }
      default: throw new Error(`the interpreter does not know ${token}`);
    }
    if (ok === negate) return null;
    negate = false;
  }
  throw new Error(`rule without a target: ${tokens.join(' ')}`);
}

function tokenize(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}
