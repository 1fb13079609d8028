export async function check(..._args: unknown[]): Promise<number> {
  throw new Error('not yet');
}
