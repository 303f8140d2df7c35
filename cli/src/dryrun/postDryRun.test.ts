import http from 'node:http';
import { AddressInfo } from 'node:net';
import { postDryRun } from './embeddedScaffolder';

const bundle = {
  template: { apiVersion: 'v1', kind: 'Template', metadata: { name: 't' }, spec: { steps: [] } },
  directoryContents: [],
};

/** A server whose first `drops` requests lose their connection before any answer. */
async function serverDropping(drops: number) {
  let seen = 0;
  const server = http.createServer((req, res) => {
    seen += 1;
    if (seen <= drops) {
      req.socket.destroy();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ steps: [], output: {}, log: [], directoryContents: [] }));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/scaffolder`, requests: () => seen, close: () => server.close() };
}

describe('postDryRun', () => {
  it('sends a dry-run again, once, when the connection drops before the answer', async () => {
    const server = await serverDropping(1);
    try {
      const result = await postDryRun(server.url, bundle as any, {});
      expect(result.ok).toBe(true);
      expect(server.requests()).toBe(2);
    } finally {
      server.close();
    }
  });

  it('gives up after the second dropped connection', async () => {
    const server = await serverDropping(2);
    try {
      await expect(postDryRun(server.url, bundle as any, {})).rejects.toThrow(/fetch failed/);
      expect(server.requests()).toBe(2);
    } finally {
      server.close();
    }
  });
});
