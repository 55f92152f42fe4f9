// A small HTTP server for the browser tests: serves a built single-page app
// (a path that is not a file is answered with index.html) and, with --api,
// forwards /api/* to the API, as a same-origin deployment does.
//
//   node tests/e2e/serve.mjs --port 8080 --root DIR [--api http://127.0.0.1:9100]
//
// It logs one line per forwarded request to stdout.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(opt('--port'));
const root = opt('--root') && path.resolve(opt('--root'));
const api = opt('--api') && new URL(opt('--api'));
if (!port || !root) {
  console.error('usage: serve.mjs --port N --root DIR [--api URL]');
  process.exit(2);
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
};

function forward(req, res) {
  const headers = { ...req.headers, host: api.host };
  const upstream = http.request(
    { host: api.hostname, port: api.port, method: req.method, path: req.url, headers },
    (answer) => {
      console.log(`${req.method} ${req.url} -> ${answer.statusCode}`);
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (e) => {
    console.log(`${req.method} ${req.url} -> 502 (${e.message})`);
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: { proxy: [e.message] } }));
  });
  req.pipe(upstream);
}

function serveFile(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' });
    res.end();
    return;
  }
  const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  let file = path.join(root, path.normalize(pathname));
  if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    file = path.join(root, 'index.html');
  }
  const body = fs.readFileSync(file);
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
    'content-length': body.length,
    'cache-control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

http
  .createServer((req, res) => {
    if (api && (req.url === '/api' || req.url.startsWith('/api/') || req.url.startsWith('/api?'))) {
      forward(req, res);
    } else {
      serveFile(req, res);
    }
  })
  .listen(port, '127.0.0.1', () => {
    console.log(`serving ${root} on http://127.0.0.1:${port}${api ? `, /api/* from ${api.origin}` : ''}`);
  });
