import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file so that readers see either the old content or the new one, never a
 * torn mix: the data goes to a temporary file in the same directory, is flushed with
 * `fsync`, and is renamed over `filePath` (rename is atomic within a filesystem).
 * The directory is fsynced afterwards where the platform allows it, so the rename
 * itself survives a crash.
 *
 * @param filePath - Destination path; its directory must exist.
 * @param data - Bytes, or a string written as UTF-8.
 * @throws The underlying `fs` error (the temporary file is removed first).
 * @example
 * await writeFileAtomic('run/latest', 'checkpoints/step-000120\n');
 */
export async function writeFileAtomic(filePath: string, data: string | Uint8Array): Promise<void> {
  const directory = path.dirname(filePath);
  // A unique name per call: concurrent writers of the same file must not share a temp file.
  const temporaryPath = path.join(directory, `.${path.basename(filePath)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporaryPath, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporaryPath, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporaryPath, filePath);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  // Directory fsync makes the rename durable on Linux; Windows cannot open directories, so skip quietly there.
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Not supported on this platform/filesystem: the rename is still atomic, only its durability is weaker.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
