import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { colorIcon, outlineIcon } from './package/icons.ts';
import { encodePng } from './package/png.ts';

// Regenerates the app icons (committed) from their shapes in scripts/package/icons.ts.
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../appPackage');
writeFileSync(path.join(dir, 'color.png'), encodePng(colorIcon()));
writeFileSync(path.join(dir, 'outline.png'), encodePng(outlineIcon()));
console.log(`Wrote ${dir}/color.png (192×192) and outline.png (32×32)`);
