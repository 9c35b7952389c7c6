// Runs before any .ts file is loaded, so it must stay plain JavaScript that every Node can parse.
// Causeway's sources are TypeScript run directly by Node (type stripping, Node >= 22.18; 24 is
// what it is tested on). An older Node fails deep inside the module loader with
// ERR_UNKNOWN_FILE_EXTENSION ".ts", which says nothing about the version; this says it first.
//
//   node scripts/preflight.mjs scripts/start.ts [args...]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const target = process.argv[2];
// `process.features.typescript` is set when this Node strips types ('strip' or 'transform'); it
// is absent on Node < 22.10 and false when stripping is off (older 22.x, or --no-experimental-strip-types).
const stripsTypes = Boolean(process.features && process.features.typescript);

if (!stripsTypes) {
  process.stderr.write(
    [
      `Causeway needs a Node.js that runs TypeScript files directly: Node 22.18 or newer (24 recommended).`,
      process.features && 'typescript' in process.features
        ? `This is Node ${process.versions.node} (${process.execPath}) with type stripping switched off (--no-experimental-strip-types, perhaps in NODE_OPTIONS).`
        : `This is Node ${process.versions.node} (${process.execPath}), which cannot load ${target ?? 'the .ts sources'}.`,
      `Install Node 24 (e.g. \`nvm install 24 && nvm use 24\`, or the tarball from nodejs.org) and run the command again.`,
      '',
    ].join('\n'),
  );
  process.exit(1);
}
if (!target) {
  process.stderr.write('usage: node scripts/preflight.mjs <script.ts> [args...]\n');
  process.exit(2);
}
// The target sees the argv it would have had if run directly.
process.argv.splice(1, 2, resolve(target));
await import(pathToFileURL(resolve(target)).href);
