// Run by `npm ci` / `npm install` (the "prepare" script): links this package's own `slips` command
// into node_modules/.bin, so that `npx slips ...` works inside the checkout without a global install.
import { mkdirSync, rmSync, symlinkSync, chmodSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, 'node_modules', '.bin');
const target = join(root, 'bin', 'slips');
mkdirSync(binDir, { recursive: true });
const link = join(binDir, 'slips');
rmSync(link, { force: true });
symlinkSync(relative(binDir, target), link);
chmodSync(target, 0o755);
chmodSync(join(root, 'bin', 'slips.js'), 0o755);

// Precompute the IP -> ASN and IP -> country tables once at install, so the first analysis does not
// pay for parsing the CSV files (later runs load the compact tables in milliseconds).
try {
  const { loadRangeTable } = await import('../dist/enrich/range-table.js');
  const { ASN_SOURCE } = await import('../dist/enrich/asn.js');
  const { COUNTRY_SOURCE } = await import('../dist/enrich/country.js');
  for (const source of [ASN_SOURCE, COUNTRY_SOURCE]) {
    if (!loadRangeTable(source)) console.warn(`slips-ts: ${source.pkg} is not installed; ${source.name} lookups are off`);
  }
} catch (e) {
  console.warn(`slips-ts: could not precompute the address tables (${e.message}); they will be built on first use`);
}
