import type { Image } from './png.ts';

/**
 * The app's icons, drawn from shapes: two interlocking rings (the two systems kept in step) and a
 * presence dot. Color: white art on the brand blue. Outline: white on transparent, as Teams requires.
 */
type Rgb = [number, number, number];
const BLUE: Rgb = [15, 108, 189];
const GREEN: Rgb = [107, 183, 0];
const WHITE: Rgb = [255, 255, 255];

interface Shape {
  /** Signed distance from the shape's edge, in pixels (negative inside). */
  dist(x: number, y: number): number;
  color: Rgb;
}

const ring = (cx: number, cy: number, r: number, w: number, color: Rgb): Shape => ({
  dist: (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) - w / 2,
  color,
});
const disc = (cx: number, cy: number, r: number, color: Rgb): Shape => ({
  dist: (x, y) => Math.hypot(x - cx, y - cy) - r,
  color,
});
const roundedSquare = (size: number, radius: number, color: Rgb): Shape => ({
  dist: (x, y) => {
    const h = size / 2 - radius;
    const dx = Math.max(Math.abs(x - size / 2) - h, 0);
    const dy = Math.max(Math.abs(y - size / 2) - h, 0);
    return Math.hypot(dx, dy) - radius;
  },
  color,
});

function render(size: number, shapes: Shape[]): Image {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (const s of shapes) {
        const cover = Math.min(1, Math.max(0, 0.5 - s.dist(x + 0.5, y + 0.5)));
        if (cover === 0) continue;
        // "over" compositing with straight alpha
        const na = cover + a * (1 - cover);
        r = (s.color[0] * cover + r * a * (1 - cover)) / na;
        g = (s.color[1] * cover + g * a * (1 - cover)) / na;
        b = (s.color[2] * cover + b * a * (1 - cover)) / na;
        a = na;
      }
      const i = (y * size + x) * 4;
      data[i] = Math.round(r);
      data[i + 1] = Math.round(g);
      data[i + 2] = Math.round(b);
      data[i + 3] = Math.round(a * 255);
    }
  return { width: size, height: size, data };
}

export function colorIcon(): Image {
  const s = 192;
  return render(s, [
    roundedSquare(s, 36, BLUE),
    ring(s * 0.39, s * 0.5, s * 0.2, s * 0.065, WHITE),
    ring(s * 0.61, s * 0.5, s * 0.2, s * 0.065, WHITE),
    disc(s * 0.76, s * 0.74, s * 0.11, BLUE),
    disc(s * 0.76, s * 0.74, s * 0.085, GREEN),
  ]);
}

export function outlineIcon(): Image {
  const s = 32;
  const img = render(s, [ring(s * 0.38, s * 0.5, s * 0.22, 2.2, WHITE), ring(s * 0.62, s * 0.5, s * 0.22, 2.2, WHITE)]);
  // Teams wants pure white where there is art: keep only alpha variation.
  for (let i = 0; i < img.data.length; i += 4) if (img.data[i + 3]! > 0) img.data.set([255, 255, 255], i);
  return img;
}
