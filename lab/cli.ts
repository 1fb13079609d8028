import { down } from './commands/down.js';
import { up } from './commands/up.js';
import { EXIT_UNAVAILABLE, unavailableReason } from './host/platform.js';

const USAGE = `usage: npm run lab -- <command>
  up [--no-build]   build the lab from k8s/dist/minikube and start every pod
  down              remove everything the lab made (also after a crash)
  status            nodes, pods, Services with endpoints, policies
  check             the manifests' networking, verified with live packets
  trace FROM TO     one connection hop by hop, e.g. trace web-1 webapp-sql1:3306
  forward [NODE]    serve the NodePort on 127.0.0.1:8080 through the lab's client`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help') {
    console.log(USAGE);
    return command ? 0 : 64;
  }
  const reason = unavailableReason();
  if (reason) {
    console.error(`npm run lab: ${reason}`);
    return EXIT_UNAVAILABLE;
  }
  switch (command) {
    case 'up':
      await up({ build: !args.includes('--no-build') });
      return 0;
    case 'down':
      await down();
      return 0;
    case 'status':
      return (await import('./commands/status.js')).status();
    case 'check':
      return (await import('./commands/check.js')).check();
    case 'trace':
      if (args.length !== 2) break;
      return (await import('./commands/trace.js')).trace(args[0]!, args[1]!);
    case 'forward':
      return (await import('./commands/forward.js')).forward(args);
  }
  console.error(USAGE);
  return 64;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`npm run lab: ${error.message}`);
    process.exit(1);
  },
);
