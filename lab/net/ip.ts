/** IPv4 arithmetic: the lab's networks are IPv4 only, as the manifests' policies are. */

export function ipToNumber(ip: string): number {
  const octets = ip.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return octets.reduce((sum, octet) => sum * 256 + octet, 0);
}

export function numberToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function parseCidr(cidr: string): { base: number; prefix: number; size: number } {
  const [address, bits] = cidr.split('/') as [string, string | undefined];
  const prefix = bits === undefined ? 32 : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const size = 2 ** (32 - prefix);
  return { base: ipToNumber(address) - (ipToNumber(address) % size), prefix, size };
}

export function inCidr(ip: string, cidr: string): boolean {
  const { base, size } = parseCidr(cidr);
  const value = ipToNumber(ip);
  return value >= base && value < base + size;
}

/** The address `offset` places after the network address of `cidr`. */
export function addressIn(cidr: string, offset: number): string {
  const { base, size } = parseCidr(cidr);
  if (offset < 0 || offset >= size) throw new Error(`offset ${offset} is outside ${cidr}`);
  return numberToIp(base + offset);
}
