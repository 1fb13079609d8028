import { createHash } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first 16 characters of base32(sha256(text)): how kube-proxy shortens names into chain names. */
export function chainHash(text: string): string {
  const bytes = createHash('sha256').update(text).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** iptables chain names hold at most 28 characters. */
export const MAX_CHAIN_NAME = 28;

/** `prefix + readable` when it fits, else `prefix + hash(readable)`. */
export function chainName(prefix: string, readable: string): string {
  const name = prefix + readable;
  return name.length <= MAX_CHAIN_NAME ? name : prefix + chainHash(readable);
}
