export async function trace(..._args: unknown[]): Promise<number> {
  throw new Error('not yet');
}
