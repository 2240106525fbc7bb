#!/usr/bin/env node
// The `provisiond` command (package.json "bin"). provisiond has no build step: tsx, resolved
// from this package's own node_modules, compiles the TypeScript as it loads, in this process
// (no second Node), so signals and the exit status are the command's own.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
