#!/usr/bin/env node
/**
 * npm prepack / postpack: the packed module carries its config schema as JSON,
 * as Backstage's own packages do. The repository declares `configSchema:
 * config.d.ts`; shipped as is, every backend compiles that file with TypeScript at
 * start-up (it collects all schemas to redact secrets from logs), which
 * `npm run test:host` measured at 3 to 9 s and about 110 MB more memory on 2 cores.
 *
 *   prepack:  config.d.ts → config.schema.json with Backstage's config-loader, and
 *             package.json's configSchema pointed at it (the original kept aside)
 *   postpack: package.json restored, config.schema.json removed
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const MANIFEST = path.join(ROOT, 'package.json');
const BACKUP = path.join(ROOT, 'package.json-prepack');
const JSON_SCHEMA = 'config.schema.json';

async function prepack() {
  const text = fs.readFileSync(MANIFEST, 'utf8');
  const manifest = JSON.parse(text);
  if (!String(manifest.configSchema).endsWith('.d.ts')) return;
  const { loadConfigSchema } = require('@backstage/config-loader');
  // Schema errors throw here (no onSchemaError), so a broken config.d.ts fails the pack.
  const schema = await loadConfigSchema({
    dependencies: [],
    packagePaths: [MANIFEST],
    excludePackageDependencies: true,
  });
  const own = schema.serialize().schemas.find(s => s.packageName === manifest.name);
  if (!own) throw new Error(`config-loader compiled no schema from ${manifest.configSchema}`);
  fs.writeFileSync(path.join(ROOT, JSON_SCHEMA), `${JSON.stringify(own.value, null, 2)}\n`);
  fs.writeFileSync(BACKUP, text);
  fs.writeFileSync(MANIFEST, `${JSON.stringify({ ...manifest, configSchema: JSON_SCHEMA }, null, 2)}\n`);
}

function postpack() {
  if (fs.existsSync(BACKUP)) fs.renameSync(BACKUP, MANIFEST);
  fs.rmSync(path.join(ROOT, JSON_SCHEMA), { force: true });
}

const step = process.argv[2];
if (step === 'prepack') {
  prepack().catch(error => {
    postpack();
    process.stderr.write(`pack-config-schema: ${error.stack ?? error}\n`);
    process.exit(1);
  });
} else if (step === 'postpack') {
  postpack();
} else {
  process.stderr.write('usage: pack-config-schema.js prepack|postpack\n');
  process.exit(2);
}
