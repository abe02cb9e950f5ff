// A pass-through HTTP proxy in front of the API that records what a consumer
// sent (method, path, headers) and what it got back (status, headers): how the
// consumer tests see which microversion headers openstacksdk and gophercloud send.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  method: string;
  path: string;
  request: http.IncomingHttpHeaders;
  status: number;
  response: http.IncomingHttpHeaders;
}

export interface RecordingProxy {
  url: string;
  exchanges: Exchange[];
  stop(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const t = new URL(target);
  const exchanges: Exchange[] = [];
  const server = http.createServer((req, res) => {
    const up = http.request(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } },
      (r) => {
        exchanges.push({
          method: req.method ?? '',
          path: req.url ?? '',
          request: req.headers,
          status: r.statusCode ?? 0,
          response: r.headers,
        });
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (e) => {
      res.writeHead(502).end(String(e));
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
