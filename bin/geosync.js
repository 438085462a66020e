#!/usr/bin/env node
// Runs the TypeScript sources through tsx so there is no separate build step (docs/decisions/0002).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
