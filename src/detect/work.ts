/**
 * Units of work the scanners did: characters and tokens visited, added where a loop visits them. Production
 * code only adds to it; the linear-time test reads it to show that work grows linearly with the input (a wall
 * clock on a shared machine cannot show that).
 */
export const work = { units: 0 };
