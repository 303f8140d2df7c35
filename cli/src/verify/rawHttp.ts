/**
 * HTTP/1.1 written byte by byte on a socket: the app checks need requests no
 * HTTP client sends (a negative or non-numeric Content-Length, none at all,
 * hand-made chunks, a body sent in slow parts) and must see whether an answer
 * came before the body did.
 */
import net from 'node:net';

export type RawAnswer = { status: number; headers: Record<string, string>; body: Buffer };

/** What came back: the final (non-1xx) answer, or why there was none. */
export type RawOutcome = { answer?: RawAnswer; error?: string };

export type RawConnection = {
  /** Resolves once the bytes are handed to the kernel; rejects if the connection is gone. */
  write(data: string | Buffer): Promise<void>;
  /** The answer, once complete (Content-Length read, or the server closed), or the error / timeout. */
  outcome: Promise<RawOutcome>;
  close(): void;
};

export function rawConnect(port: number, timeoutMs: number): RawConnection {
  const socket = net.connect({ host: '127.0.0.1', port });
  let received = Buffer.alloc(0);
  let settle: (o: RawOutcome) => void = () => undefined;
  let done = false;
  const outcome = new Promise<RawOutcome>(resolve => {
    settle = o => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
  });
  const timer = setTimeout(
    () => settle({ ...parse(received, true), error: `no complete answer within ${timeoutMs} ms` }),
    timeoutMs,
  );
  socket.on('data', chunk => {
    received = Buffer.concat([received, chunk]);
    const parsed = parse(received, false);
    if (parsed.answer) settle(parsed);
  });
  socket.on('end', () => settle(parse(received, true)));
  socket.on('close', () => settle(parse(received, true)));
  socket.on('error', err => {
    const parsed = parse(received, true);
    settle(parsed.answer ? parsed : { error: err.message });
  });
  return {
    write: data =>
      new Promise((resolve, reject) => {
        if (done || socket.destroyed) return reject(new Error('the connection is closed'));
        socket.write(data, err => (err ? reject(err) : resolve()));
      }),
    outcome,
    close: () => settle(parse(received, true)),
  };
}

/** Sends one request (head and body at once) and waits for its answer. */
export async function rawRequest(port: number, data: string | Buffer, timeoutMs: number): Promise<RawOutcome> {
  const conn = rawConnect(port, timeoutMs);
  // A server may answer and close before the whole body is written: that is an answer, not an error.
  await conn.write(data).catch(() => undefined);
  return conn.outcome;
}

/**
 * The final answer in `bytes`, skipping 1xx interim answers. `closed`: the
 * server closed, so a body without Content-Length ends here.
 */
function parse(bytes: Buffer, closed: boolean): RawOutcome {
  let offset = 0;
  for (;;) {
    const end = bytes.indexOf('\r\n\r\n', offset);
    if (end < 0)
      return closed
        ? { error: bytes.length ? 'the answer was cut off' : 'the connection closed without an answer' }
        : {};
    const head = bytes.subarray(offset, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(head[0] ?? '')?.[1]);
    if (!status) return { error: `not an HTTP answer: ${JSON.stringify(head[0]?.slice(0, 80))}` };
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (status < 200) {
      offset = end + 4;
      continue;
    }
    const body = bytes.subarray(end + 4);
    const length = Number(headers['content-length']);
    if (Number.isInteger(length) && length >= 0) {
      if (body.length >= length) return { answer: { status, headers, body: body.subarray(0, length) } };
      return closed ? { error: `the answer's body was cut off (${body.length} of ${length} bytes)` } : {};
    }
    return closed ? { answer: { status, headers, body } } : {};
  }
}
