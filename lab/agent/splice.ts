import { connect, createServer, type NetConnectOpts, type Server } from 'node:net';

/** A server whose every connection is joined, both ways, to a new connection to `upstream`. */
export function spliceServer(upstream: NetConnectOpts): Server {
  return createServer((client) => {
    const peer = connect(upstream);
    client.pipe(peer).pipe(client);
    const close = () => {
      client.destroy();
      peer.destroy();
    };
    client.on('error', close);
    peer.on('error', close);
  });
}
