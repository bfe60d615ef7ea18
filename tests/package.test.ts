import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { buildPackage } from '../scripts/package/build.ts';
import { colorIcon, outlineIcon } from '../scripts/package/icons.ts';
import { validateManifest } from '../scripts/package/manifest.ts';
import { decodePng, encodePng } from '../scripts/package/png.ts';
import { validateTeamsappYml } from '../scripts/package/teamsapp.ts';

const root = path.resolve(import.meta.dirname, '..');
const appDir = path.join(root, 'appPackage');

function localManifest(): Record<string, unknown> {
  const vars = Object.fromEntries(
    readFileSync(path.join(root, 'env/.env.local'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const text = readFileSync(path.join(appDir, 'manifest.json'), 'utf8').replace(
    /\$\{\{([A-Z0-9_]+)\}\}/g,
    (_, n) => vars[n] ?? '',
  );
  return JSON.parse(text);
}

describe('Teams app package', () => {
  it('when built for the local environment then the zip holds a schema-valid manifest and both icons', async () => {
    const r = await buildPackage({ root, envName: 'local' });
    expect(r.problems).toEqual([]);
    const zip = await JSZip.loadAsync(readFileSync(r.zipFile));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const m = JSON.parse(await zip.file('manifest.json')!.async('string'));
    expect(m.manifestVersion).toBe('1.30');
    expect(m.bots[0].commandLists[0].commands.map((c: { title: string }) => c.title)).toEqual([
      'status',
      'why',
      'help',
      'subscriptions',
      'health',
    ]);
    expect(m.configurableTabs[0].scopes).toEqual(['team', 'groupChat']);
    expect(m.staticTabs[0].scopes).toEqual(['personal']);
  });

  it('when the environment is not provisioned then each empty variable is named', async () => {
    const r = await buildPackage({ root, envName: 'dev' });
    expect(r.problems.map((p) => p.message)).toContain('TEAMS_APP_ID is empty: run `teamsapp provision --env dev` or set it');
  });

  it('when a manifest copy is broken then the official schema catches it', () => {
    const m = localManifest();
    delete (m.bots as Record<string, unknown>[])[0]!.botId;
    m.manifestVersion = '1.30';
    (m as { accentColor: string }).accentColor = 'blue';
    const problems = validateManifest(m, { iconDir: appDir });
    expect(problems.some((p) => p.where === '/bots/0' && p.message.includes('botId'))).toBe(true);
    expect(problems.some((p) => p.where === '/accentColor')).toBe(true);
  });

  it('when Teams rules beyond the schema are broken then they are named', () => {
    const m = localManifest();
    m.validDomains = ['https://example.com/path'];
    const wrongSize = encodePng({ ...colorIcon(), width: 96, height: 384 });
    const dark = outlineIcon();
    dark.data.set([0, 0, 0, 255], 0);
    const problems = validateManifest(m, { iconDir: appDir, icons: { 'color.png': wrongSize, 'outline.png': encodePng(dark) } });
    const text = problems.map((p) => `${p.where}: ${p.message}`);
    expect(text).toContain('/validDomains/0: a domain only: no scheme, no path');
    expect(text.some((t) => t.startsWith('/staticTabs/0/contentUrl: host') && t.endsWith('is not in validDomains'))).toBe(true);
    expect(text).toContain('/icons/color: must be 192×192 pixels (is 96×384)');
    expect(text).toContain('/icons/outline: must be white on a transparent background');
  });

  it('the committed icons are the sizes Teams requires', () => {
    expect(decodePng(readFileSync(path.join(appDir, 'color.png')))).toMatchObject({ width: 192, height: 192 });
    expect(decodePng(readFileSync(path.join(appDir, 'outline.png')))).toMatchObject({ width: 32, height: 32 });
  });
});

describe('Teams Toolkit project files', () => {
  it.each(['teamsapp.yml', 'teamsapp.local.yml'])(
    '%s validates against the v1.11 schema and references only files that exist',
    (file) => {
      expect(validateTeamsappYml(root, file)).toEqual([]);
    },
  );

  it('when a project file names an unknown action or a missing file then it is reported', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ps-yml-'));
    try {
      const fake = path.join(dir, 'appPackage', 'schemas');
      mkdirSync(fake, { recursive: true });
      writeFileSync(
        path.join(fake, 'teamsapp.v1.11.yaml.schema.json'),
        readFileSync(path.join(root, 'appPackage/schemas/teamsapp.v1.11.yaml.schema.json')),
      );
      writeFileSync(
        path.join(dir, 'teamsapp.yml'),
        'version: v1.11\nenvironmentFolderPath: ./env\nprovision:\n  - uses: teamsApp/explode\n  - uses: teamsApp/zipAppPackage\n    with:\n      manifestPath: ./appPackage/missing.json\n      outputZipPath: ./x.zip\n      outputFolder: ./build\n',
      );
      const problems = validateTeamsappYml(dir, 'teamsapp.yml').map((p) => p.message);
      expect(problems.length).toBeGreaterThan(0);
      expect(problems).toContain('references ./appPackage/missing.json, which does not exist');
      expect(problems).toContain('folder does not exist');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
