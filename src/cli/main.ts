#!/usr/bin/env node
import { runCli } from './program.js';

// The only place that reads process.argv; exit codes are set, never forced, so output flushes.
runCli(process.argv).then((code) => { process.exitCode = code; }, () => { process.exitCode = 1; });
