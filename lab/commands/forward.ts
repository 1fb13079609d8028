export async function forward(..._args: unknown[]): Promise<number> {
  throw new Error('not yet');
}
