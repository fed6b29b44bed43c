// Run by `npm ci` / `npm install` (the "prepare" script): links this package's own `slips` command
// into node_modules/.bin, so that `npx slips ...` works inside the checkout without a global install.
import { mkdirSync, rmSync, symlinkSync, chmodSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, 'node_modules', '.bin');
const target = join(root, 'bin', 'slips.js');
mkdirSync(binDir, { recursive: true });
const link = join(binDir, 'slips');
rmSync(link, { force: true });
symlinkSync(relative(binDir, target), link);
chmodSync(target, 0o755);

// Precompute the IP -> ASN table once at install, so the first analysis does not pay for parsing
// the ASN CSV files (later runs load the compact table in milliseconds).
try {
  const { loadAsnTable } = await import('../dist/enrich/asn.js');
  loadAsnTable();
} catch (e) {
  console.warn(`slips-ts: could not precompute the ASN table (${e.message}); it will be built on first use`);
}
