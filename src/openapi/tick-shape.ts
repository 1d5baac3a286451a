import { createHook } from 'node:async_hooks';

/** The tick object kept alive: its hidden class, and the transitions to it, live as long as it. */
let kept: object | undefined;

/**
 * Keeps Node's process.nextTick on V8's fast path after Ajv has compiled schemas.
 *
 * V8 gives an object grown from `{}` its hidden class through transitions from the root object
 * map, and a map holds at most 1,536 transitions. Ajv's code generator makes an object per
 * generated variable name (`{[name]: 1}`: err37, _errs89, data28, ...), so compiling a spec
 * (even the config schema) fills that table with dead entries until the next full garbage
 * collection. An object grown while the table is full gets a hidden class of its own. Node's
 * nextTick builds every queued tick as `{[async_id_symbol]: ..., [trigger_async_id_symbol]:
 * ..., callback, args}`: if its first ticks are made in that window, the call site sees two
 * hidden classes, V8 marks it megamorphic for good, and every later nextTick (a proxied
 * request makes about ten) goes through the runtime. Measured with `npm run bench`: about 4 µs
 * of the gateway's ~40 µs CPU per request.
 *
 * Called before the first schema is compiled: a few ticks give the tick shape its transitions
 * and nextTick its feedback while the table has room, and one tick object is kept so garbage
 * collection never drops that shape (and with it the transition) while the table is full.
 */
export function protectTickShape(): void {
  if (kept !== undefined) return;
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject' && kept === undefined) kept = resource;
    },
  });
  hook.enable();
  try {
    // V8 allocates a function's feedback after its first eight calls or so.
    for (let i = 0; i < 16; i++) process.nextTick(noop);
  } finally {
    hook.disable();
  }
}

/** Whether protectTickShape has run in this process. */
export function tickShapeProtected(): boolean {
  return kept !== undefined;
}

function noop(): void {
  // The tick only has to exist.
}
