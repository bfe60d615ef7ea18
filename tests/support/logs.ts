import { Writable } from 'node:stream';

/** A pino destination that keeps every line, for asserting on what was (and was not) logged. */
export function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  let raw = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      const text = chunk.toString();
      raw += text;
      for (const line of text.split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { stream, lines, raw: () => raw };
}
