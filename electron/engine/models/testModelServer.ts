import http from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * Test material for the downloader: a small but real TF.js layers model (one Dense layer,
 * float32, its weights cut into two shards the way tfjs-converter cuts them) and an HTTP
 * server on 127.0.0.1 that serves it with Range support and lets a test misbehave on purpose.
 */

export const shardNames = ['group1-shard1of2.bin', 'group1-shard2of2.bin'] as const;
const inputs = 100;
const units = 16;
/** tfjs-converter cuts a group into shards of a fixed size; a small one keeps the files at a few KB */
const shardSize = 4096;

export interface TinyModel {
  modelJson: Buffer;
  shards: Map<string, Buffer>;
  /** every file by its path relative to the model folder */
  files: Map<string, Buffer>;
}

export function makeTinyLayersModel(): TinyModel {
  const weights = new Float32Array(inputs * units + units);
  for (let i = 0; i < weights.length; i++) weights[i] = Math.sin(i) * 0.1;
  const all = Buffer.from(weights.buffer);
  const shards = new Map<string, Buffer>([
    [shardNames[0], all.subarray(0, shardSize)],
    [shardNames[1], all.subarray(shardSize)],
  ]);
  const modelJson = Buffer.from(
    JSON.stringify({
      format: 'layers-model',
      generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
      convertedBy: null,
      modelTopology: {
        class_name: 'Sequential',
        config: {
          name: 'tiny',
          layers: [
            {
              class_name: 'Dense',
              config: {
                name: 'dense',
                units,
                activation: 'linear',
                use_bias: true,
                batch_input_shape: [null, inputs],
                dtype: 'float32',
                trainable: true,
                kernel_initializer: { class_name: 'Zeros', config: {} },
                bias_initializer: { class_name: 'Zeros', config: {} },
              },
            },
          ],
        },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightsManifest: [
        {
          paths: [...shardNames],
          weights: [
            { name: 'dense/kernel', shape: [inputs, units], dtype: 'float32' },
            { name: 'dense/bias', shape: [units], dtype: 'float32' },
          ],
        },
      ],
    }),
  );
  const files = new Map<string, Buffer>([['model.json', modelJson], ...shards]);
  return { modelJson, shards, files };
}

export interface RecordedRequest {
  path: string;
  query: URLSearchParams;
  range: string | undefined;
}

/** Returns true once it has answered; anything else leaves the request to the file server. */
export type Override = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => boolean | undefined;

export interface TestServer {
  origin: string;
  requests: RecordedRequest[];
  /** requests so far for one path */
  count(path: string): number;
  close(): Promise<void>;
}

/**
 * Serves `files` under `/model/` (with Range, as static hosts do) unless `override` answers
 * first. `n` tells the override how many times this path was asked for, this one included.
 */
export async function startModelServer(files: Map<string, Buffer>, override?: Override): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ path: url.pathname, query: url.searchParams, range: req.headers.range });
    const n = requests.filter((r) => r.path === url.pathname).length;
    if (override?.(req, res, n) === true) return;
    serveFile(files, url.pathname, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    count: (p) => requests.filter((r) => r.path === p).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function serveFile(
  files: Map<string, Buffer>,
  pathname: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  opts: { honourRange?: boolean } = {},
): void {
  const body = pathname.startsWith('/model/') ? files.get(pathname.slice('/model/'.length)) : undefined;
  if (!body) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const type = pathname.endsWith('.json') ? 'application/json' : 'application/octet-stream';
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range && (opts.honourRange ?? true)) {
    const start = Number(range[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(206, {
      'content-type': type,
      'content-length': body.length - start,
      'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
    });
    res.end(body.subarray(start));
    return;
  }
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'accept-ranges': 'bytes' });
  res.end(body);
}

/** Announces the whole file, sends `bytes` of it, then drops the connection. */
export function sendPartThenDrop(res: http.ServerResponse, body: Buffer, bytes: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.write(body.subarray(0, bytes), () => {
    setTimeout(() => res.socket?.destroy(), 20);
  });
}

/** Announces the whole file, sends `bytes` of it, then goes quiet with the connection open. */
export function sendPartThenStall(res: http.ServerResponse, body: Buffer, bytes: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.write(body.subarray(0, bytes));
}

/** A port nothing listens on: bound once by us, then released. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
