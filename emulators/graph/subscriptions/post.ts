import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';

/**
 * Outbound POSTs to subscribers (validation handshakes, notifications, lifecycle events), over http
 * or https. https trusts the public roots plus the emulator's own CA (so a product served with the
 * emulator's certificate works). Keep-alive agents: benchmarks deliver thousands of notifications.
 */
export interface PostResult {
  status: number;
  body: string;
  contentType: string;
  ms: number;
}

export class Poster {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent: https.Agent;

  constructor(extraCaPem: string) {
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: [...rootCertificates, extraCaPem] });
  }

  post(url: string, body: string, contentType: string, timeoutMs: number): Promise<PostResult> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        reject(new Error(`invalid URL ${url}`));
        return;
      }
      const isHttps = u.protocol === 'https:';
      const req = (isHttps ? https : http).request(
        u,
        {
          method: 'POST',
          agent: isHttps ? this.httpsAgent : this.httpAgent,
          headers: {
            'content-type': contentType,
            'content-length': Buffer.byteLength(body),
            'user-agent': 'Microsoft-Graph-Emulator/1.0',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= 64 * 1024) chunks.push(c);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              contentType: String(res.headers['content-type'] ?? ''),
              ms: performance.now() - started,
            }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
