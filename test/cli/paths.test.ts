import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CommandSpec, UsageError, parseArgs } from '../../cli/args.js';
import { checkOutputPaths } from '../../cli/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'data.csv'), 'a,y\n1,x\n');
mkdirSync(join(dir, 'folder'));

const spec: CommandSpec = {
  name: 'x',
  summary: '',
  usage: '',
  positionals: 1,
  options: {
    data: { type: 'string', help: '', path: 'input' },
    out: { type: 'string', help: '', path: 'output', default: 'model.json' },
    report: { type: 'string', help: '', path: 'output' },
    outDir: { type: 'string', help: '', path: 'dir', default: 'stages' },
  },
};
const check = (...argv: string[]) => () => checkOutputPaths('x', spec, parseArgs(argv, spec), dir);

describe('checkOutputPaths', () => {
  it('passes outputs in folders that exist, defaults included, and folders to be made inside one', () => {
    expect(check('--data', 'data.csv')).not.toThrow();
    expect(check('--data', 'data.csv', '--out', 'folder/m.json', '--report', 'r.html', '--out-dir', 'new/deeper')).not.toThrow();
    // an output that exists already is replaced, as asked
    expect(check('--out', 'data.csv')).not.toThrow();
  });

  it('refuses a file output in a folder that does not exist, or that is a folder', () => {
    expect(check('--out', 'none/m.json')).toThrow(new UsageError(`x: --out none/m.json: the folder ${join(dir, 'none')} does not exist`));
    expect(check('--report', 'folder')).toThrow(new UsageError('x: --report folder is a folder; give the path of a file to write'));
    expect(check('--out-dir', 'data.csv')).toThrow(new UsageError('x: --out-dir data.csv is a file; give the path of a folder to write the files in'));
  });

  it('refuses an output that is an input, by any path, and two outputs on one file', () => {
    expect(check('--data', 'data.csv', '--out', 'data.csv')).toThrow(new UsageError('x: --out data.csv is the input --data data.csv: writing there would overwrite it; give another path'));
    expect(check('--data', join(dir, 'data.csv'), '--out', './folder/../data.csv')).toThrow(/is the input --data/);
    symlinkSync(join(dir, 'data.csv'), join(dir, 'link.csv'));
    expect(check('--data', 'link.csv', '--report', 'data.csv')).toThrow(/--report data.csv is the input --data link.csv/);
    // a positional is an input (predict MODEL, compress MODEL)
    expect(check('data.csv', '--out', 'data.csv')).toThrow(/--out data.csv is the input data.csv/);
    expect(check('--out', 'r.html', '--report', 'r.html')).toThrow(new UsageError('x: --report r.html is also --out r.html: give each output its own path'));
  });

  it.skipIf(process.getuid?.() === 0)('refuses a folder it cannot write in', () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    expect(check('--out', 'ro/m.json')).toThrow(new UsageError(`x: --out ro/m.json: cannot write in the folder ${ro} (permission denied)`));
    chmodSync(ro, 0o755);
  });
});
