import { inNetns } from '../host/run.js';

/** An iptables comment match; double quotes are not allowed inside. */
export function comment(text: string): string {
  return `-m comment --comment "${text.replaceAll('"', "'")}"`;
}

/** Applies iptables-restore input in a namespace, leaving chains it does not name alone. */
export async function restore(netns: string, text: string): Promise<void> {
  await inNetns(netns, ['iptables-restore', '--noflush'], { input: text });
}

/** The user-defined chains of a table. */
export async function chainsOf(netns: string, table: 'nat' | 'filter'): Promise<string[]> {
  const { stdout } = await inNetns(netns, ['iptables-save', '-t', table]);
  return stdout.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]!);
}

/** One rule with its counters, as `iptables -L -v -x -n` shows it. */
export interface CountedRule {
  readonly table: string;
  readonly chain: string;
  /** 1-based position in its chain. */
  readonly index: number;
  readonly packets: number;
  readonly bytes: number;
  readonly target: string;
  /** The rule as iptables prints it after the counters. */
  readonly text: string;
}

/** Every rule of a table with its packet and byte counters. */
export async function countedRules(netns: string, table: 'nat' | 'filter'): Promise<CountedRule[]> {
  const { stdout } = await inNetns(netns, ['iptables', '-t', table, '-L', '-v', '-x', '-n', '--line-numbers']);
  const rules: CountedRule[] = [];
  let chain = '';
  for (const line of stdout.split('\n')) {
    const header = /^Chain (\S+)/.exec(line);
    if (header) {
      chain = header[1]!;
      continue;
    }
    const row = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (row) {
      rules.push({
        table,
        chain,
        index: Number(row[1]),
        packets: Number(row[2]),
        bytes: Number(row[3]),
        target: row[4]!,
        text: `${row[4]} ${row[5]!.replace(/\s+/g, ' ')}`.trim(),
      });
    }
  }
  return rules;
}
