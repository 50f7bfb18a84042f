import { renameSync, writeFileSync } from 'node:fs';

/** Writes the tenant list the nodes re-read on every build (atomically: write + rename). */
export function writeTenants(file: string, tenants: readonly string[]): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(tenants));
  renameSync(`${file}.tmp`, file);
}
