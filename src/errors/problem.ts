import { ERROR_CODES } from './codes.js';
import type { Denial } from './gatehouse-error.js';

/** RFC 9457 problem details as Gatehouse sends them. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  requestId: string;
  errors?: Denial['errors'];
}

const TYPE_BASE = 'https://gatehouse.dev/problems/';

export function problemFor(denial: Denial, requestId: string): ProblemDocument {
  const info = ERROR_CODES[denial.code];
  const doc: ProblemDocument = {
    type: TYPE_BASE + denial.code.toLowerCase().replaceAll('_', '-'),
    title: info.title,
    status: info.status,
    code: denial.code,
    requestId,
  };
  if (denial.detail !== undefined) doc.detail = denial.detail;
  if (denial.errors !== undefined && denial.errors.length > 0) doc.errors = denial.errors;
  return doc;
}
