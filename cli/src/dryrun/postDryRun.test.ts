/**
 * postDryRun against a loopback server that drops connections: a dry-run
 * changes nothing, so one whose connection was reset before any answer is
 * sent again, once; an answer (even an error) is never sent twice.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { postDryRun } from './postDryRun';

const BUNDLE = { template: { kind: 'Template' }, directoryContents: [] } as any;

/** A server answering with `respond(requestNumber, req, res)`; returns its API URL and the request count. */
async function serve(respond: (n: number, req: http.IncomingMessage, res: http.ServerResponse) => void) {
  let requests = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => respond(++requests, req, res));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/scaffolder`, count: () => requests };
}
const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  }
});

const ok = (res: http.ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ steps: [], directoryContents: [] }));

test.each([
  ['reset (RST)', (req: http.IncomingMessage) => req.socket.resetAndDestroy()],
  ['closed (FIN)', (req: http.IncomingMessage) => req.socket.destroy()],
])('a connection %s before the answer is retried once', async (_label, drop) => {
  const { apiUrl, count } = await serve((n, req, res) => (n === 1 ? drop(req) : ok(res)));
  await expect(postDryRun(apiUrl, BUNDLE, {})).resolves.toMatchObject({ ok: true, files: [] });
  expect(count()).toBe(2);
});

test('a connection that keeps dropping fails after the second attempt', async () => {
  const { apiUrl, count } = await serve((_n, req) => req.socket.resetAndDestroy());
  await expect(postDryRun(apiUrl, BUNDLE, {})).rejects.toThrow(/fetch failed/);
  expect(count()).toBe(2);
});

test('an answer is never sent twice, even a 500', async () => {
  const { apiUrl, count } = await serve((_n, _req, res) =>
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'boom' } })),
  );
  await expect(postDryRun(apiUrl, BUNDLE, {})).resolves.toEqual({ ok: false, status: 500, errors: ['boom'] });
  expect(count()).toBe(1);
});

test('a refused connection is not retried', async () => {
  const { apiUrl, count } = await serve((_n, _req, res) => ok(res));
  const server = servers.pop()!;
  await new Promise(resolve => server.close(resolve));
  await expect(postDryRun(apiUrl, BUNDLE, {})).rejects.toThrow(/fetch failed/);
  expect(count()).toBe(0);
});
