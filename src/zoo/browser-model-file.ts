/**
 * The page bundle's stand-in for node-model-file.ts (vite.config.ts swaps it in): pages fetch the
 * bundled model over HTTP (index.ts) and never read package files, so reaching this is a bug.
 */
export async function readPackageFile(packageName: string, _entry: string, relativePath: string): Promise<Uint8Array> {
  throw new Error(`reading ${packageName}/${relativePath} from an npm package works only under Node`);
}
