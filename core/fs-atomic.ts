// Durable writes for everything that saves user work: a crash mid-save leaves the old file, never half of a new one.
import { ArgumentError, WriteError } from './errors.js';
import { nodeBuiltin } from './node-builtins.js';
const nodeFs = () => nodeBuiltin('fs', 'writeFileAtomic');
const nodePath = () => nodeBuiltin('path', 'writeFileAtomic');

let tempCounter = 0;

function writeAllSync(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.byteLength) done += nodeFs().writeSync(fd, data, done, data.byteLength - done);
}

/** fsync a directory so a rename inside it survives power loss; some platforms (Windows) cannot open a directory, which is fine. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = nodeFs().openSync(dir, 'r');
    nodeFs().fsyncSync(fd);
  } catch {
    // best effort: the rename itself is already atomic
  } finally {
    if (fd !== undefined) nodeFs().closeSync(fd);
  }
}

/**
 * Writes `data` to `path` atomically: a temp file in the same directory is written, fsynced and renamed over `path`.
 * On any failure the temp file is removed and the previous content of `path` (if any) is untouched.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  writeFileAtomicWith(path, (write) => write(bytes));
}

/**
 * writeFileAtomic for content made a piece at a time: `produce` passes each piece to `write` in order (a file
 * longer than one string or buffer can hold). If `produce` throws, `path` is untouched and the temp file removed.
 */
export function writeFileAtomicWith(path: string, produce: (write: (bytes: Uint8Array) => void) => void): void {
  const dir = nodePath().dirname(path);
  // a short prefix of the name keeps the temp name under the 255-byte limit of most file systems
  const temp = nodePath().join(dir, `.${nodePath().basename(path).slice(0, 64)}.${process.pid}.${Date.now()}.${tempCounter++}.tmp`);
  let mode: number | undefined;
  try {
    mode = nodeFs().statSync(path).mode & 0o7777; // replacing a file keeps its permissions
  } catch {
    // a new file
  }
  let fd: number | undefined;
  try {
    fd = nodeFs().openSync(temp, 'wx', 0o644);
    if (mode !== undefined) nodeFs().fchmodSync(fd, mode);
    const open = fd;
    produce((bytes) => writeAllSync(open, bytes));
    nodeFs().fsyncSync(fd);
    nodeFs().closeSync(fd);
    fd = undefined;
    nodeFs().renameSync(temp, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        nodeFs().closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    try {
      nodeFs().unlinkSync(temp);
    } catch {
      // the temp file may never have been created
    }
    throw writeError(path, err);
  }
  fsyncDir(dir);
}

/**
 * An OS error while writing `path` (through its temp file) as a WriteError naming `path`: the message used to name
 * the temp file (`ENOENT: ... open '/x/.model.json.4242.1795780646465.0.tmp'`). Other errors (from `produce`) pass.
 */
function writeError(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return err;
  const why: Record<string, string> = {
    ENOENT: `the folder ${nodePath().dirname(path)} does not exist`,
    ENOTDIR: `${nodePath().dirname(path)} is not a folder`,
    EISDIR: 'it is a folder',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is used up',
  };
  return new WriteError(path, code, why[code] ?? (err as Error).message);
}

/**
 * Appends one line (a newline is added) to `path` and fsyncs it: for logs of runs that must survive a crash.
 * The line must not contain a newline, so a torn write can only ever lose the last line, never corrupt an earlier one.
 */
export function appendLineDurable(path: string, line: string): void {
  if (line.includes('\n')) throw new ArgumentError(`appendLineDurable: line must not contain a newline, got ${JSON.stringify(line.slice(0, 40))}`);
  const fd = nodeFs().openSync(path, 'a', 0o644);
  try {
    writeAllSync(fd, new TextEncoder().encode(line + '\n'));
    nodeFs().fsyncSync(fd);
  } finally {
    nodeFs().closeSync(fd);
  }
}
