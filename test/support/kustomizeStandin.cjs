#!/usr/bin/env node
/**
 * Stand-in for the two kustomize subcommands the delivery workflow runs, for
 * machines without a standalone kustomize (kubectl only builds):
 *
 *   kustomize edit set image NAME=NEWNAME[:TAG][@DIGEST]   (in the kustomization's folder)
 *   kustomize build DIR                                     (delegated to `kubectl kustomize DIR`)
 *
 * `edit set image` follows kustomize's behaviour: the images entry named NAME
 * gets newName and newTag (or digest), replacing the previous ones; an entry
 * is added when none has that name. The tests use a real kustomize when one
 * is on PATH.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const [command, ...rest] = process.argv.slice(2);
if (command === 'build') {
  process.stdout.write(execFileSync('kubectl', ['kustomize', rest[0] ?? '.'], { encoding: 'utf8' }));
  process.exit(0);
}
if (command !== 'edit' || rest[0] !== 'set' || rest[1] !== 'image' || rest.length !== 3) {
  process.stderr.write(`kustomize stand-in: unsupported command: ${process.argv.slice(2).join(' ')}\n`);
  process.exit(2);
}
const m = /^([^=]+)=([^@]+?)(?::([^:/@]+))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(rest[2]);
if (!m) {
  process.stderr.write(`kustomize stand-in: invalid image argument ${rest[2]}\n`);
  process.exit(1);
}
const [, name, newName, newTag, digest] = m;
const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].find(f => fs.existsSync(f));
if (!file) {
  process.stderr.write('Error: Missing kustomization file\n');
  process.exit(1);
}
const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'));
const images = doc.get('images') ?? doc.createNode([]);
let entry = images.items.find(i => i.get('name') === name);
if (!entry) {
  entry = doc.createNode({ name });
  images.items.push(entry);
}
if (newName !== name) entry.set('newName', newName);
entry.delete('newTag');
entry.delete('digest');
if (newTag) entry.set('newTag', newTag);
if (digest) entry.set('digest', digest);
doc.set('images', images);
fs.writeFileSync(path.resolve(file), doc.toString());
