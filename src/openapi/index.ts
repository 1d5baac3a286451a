export type * from './types.js';
export type * from './validator-types.js';
export { loadSpec, loadSpecFromString, type LoadOptions } from './load.js';
export { createRouter, type RouteEntry, type RouteMatch, type Router } from './router.js';
export { createSchemaCompiler, type SchemaCompiler, type CompilerTuning } from './compile.js';
export { basePathOf } from './servers.js';
export { escapeToken, unescapeToken, toPointer, parsePointer } from './pointer.js';
export { compileContract, type CompiledContract } from './contract.js';
