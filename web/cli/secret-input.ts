import { createInterface } from 'node:readline';

/**
 * A secret from standard input: the whole of a pipe or file (one trailing newline dropped), or,
 * at a terminal, one line typed without echo after `prompt` (on standard error).
 */
export async function readSecretInput(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    let text = '';
    for await (const chunk of input) text += String(chunk);
    return text.replace(/\r?\n$/, '');
  }
  process.stderr.write(prompt);
  const rl = createInterface({ input, output: process.stderr, terminal: true });
  // Keeps readline from echoing what is typed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}
