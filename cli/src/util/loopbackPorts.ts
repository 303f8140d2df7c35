import net from 'node:net';

/**
 * `count` distinct free loopback ports, held open together while they are
 * chosen so they differ from each other; the kernel hands out ephemeral ports,
 * so concurrent verifications do not pick the same ones.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            if (typeof address === 'object' && address) resolve(address.port);
            else reject(new Error('no free port'));
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map(s => new Promise(resolve => s.close(resolve))));
  }
}
