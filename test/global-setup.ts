// Starts a private Xvfb display for the test run when none is set and Xvfb is installed, so gpu.js's headlessgl
// mode (the native `gl` package renders through X, here Mesa's software renderer) can open a context.
// Without Xvfb nothing happens and the headlessgl tests skip with their printed reason.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

let xvfb: ChildProcess | null = null;

export async function setup(): Promise<void> {
  if (process.env.DISPLAY || !existsSync('/usr/bin/Xvfb')) return;
  const display = 90 + (process.pid % 500);
  xvfb = spawn('/usr/bin/Xvfb', [`:${display}`, '-screen', '0', '1024x768x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  const socket = `/tmp/.X11-unix/X${display}`;
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  if (existsSync(socket)) process.env.DISPLAY = `:${display}`;
  else { xvfb.kill(); xvfb = null; }
}

export async function teardown(): Promise<void> {
  xvfb?.kill();
}
