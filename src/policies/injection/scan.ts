import { detectObject, detectValue, type Detection } from '../../detect/index.js';
import type { Plan } from './plan.js';

function member(location: string, key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${location}.${key}` : `${location}[${JSON.stringify(key)}]`;
}

/** Runs a compiled plan over a value; the first detection, with where it was found. */
export function scan(value: unknown, plan: Plan, location: string): Detection | undefined {
  switch (plan.t) {
    case 'skip':
      return undefined;
    case 'any':
      return detectObject(value, plan.ctx, location);
    case 'value': {
      if (typeof value === 'string') {
        const d = detectValue(value, plan.ctx);
        return d === undefined ? undefined : { ...d, location };
      }
      // Not the declared string (a loose contract let something else through): scan it all.
      return value !== null && typeof value === 'object' ? detectObject(value, plan.ctx, location) : undefined;
    }
    case 'array': {
      if (!Array.isArray(value)) return scan(value, plan.items, location);
      for (let i = 0; i < value.length; i++) {
        const d = scan(value[i], plan.items, `${location}[${i}]`);
        if (d !== undefined) return d;
      }
      return undefined;
    }
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return detectObject(value, plan.ctx, location);
      for (const key of Object.keys(value)) {
        const child = plan.props.get(key);
        const inner = (value as Record<string, unknown>)[key];
        if (child !== undefined) {
          const d = scan(inner, child, member(location, key));
          if (d !== undefined) return d;
          continue;
        }
        // An undeclared member (the contract allows them here): its name is data too.
        const here = member(location, key);
        // Operator ($where) and prototype keys are judged by the object walker; the value by its plan.
        const dk = detectObject({ [key]: null }, plan.ctx, location);
        if (dk !== undefined) return dk;
        const d = scan(inner, plan.rest, here);
        if (d !== undefined) return d;
      }
      return undefined;
    }
  }
}
